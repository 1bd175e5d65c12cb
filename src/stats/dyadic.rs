//! A fixed merge tree over chunk indices, so that a floating-point merge (the
//! moments) gives the same bits however the chunks are grouped: in one run, in
//! shards, or in states merged in any order and any tree.
//!
//! The tree is the binary one over chunk indices: node (level l, index i) covers
//! chunks i·2^l .. (i+1)·2^l and is the merge of its two children, left first. A
//! partial result is the list of complete nodes it holds; two siblings are merged as
//! soon as both are present. The run's value is the fold, from the right, of the
//! nodes covering 0..chunks (the tree with empty nodes past the last chunk). Memory
//! is O(log chunks) nodes for a run in chunk order, and for any shard of one.

use serde::{Deserialize, Serialize};

/// One complete node: chunks `index << level .. (index + 1) << level`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node<T> {
    pub level: u8,
    pub index: u64,
    pub value: T,
}

impl<T> Node<T> {
    fn start(&self) -> u64 {
        self.index << self.level
    }
    fn end(&self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// The complete nodes of a partial merge, in chunk order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dyadic<T> {
    nodes: Vec<Node<T>>,
}

impl<T> Default for Dyadic<T> {
    fn default() -> Self {
        Dyadic { nodes: Vec::new() }
    }
}

/// Two chunk ranges that overlap: the same chunk counted twice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overlap {
    pub chunk: u64,
}

impl<T> Dyadic<T> {
    /// Adds chunk `chunk`'s value. In chunk order this is a binary counter: O(1)
    /// amortised, O(log) nodes held.
    pub fn push(&mut self, chunk: u64, value: T, merge: impl Fn(&mut T, T)) -> Result<(), Overlap> {
        self.insert(
            Node {
                level: 0,
                index: chunk,
                value,
            },
            &merge,
        )
    }

    /// Adds every node of `other` (a disjoint set of chunks).
    pub fn absorb(&mut self, other: Dyadic<T>, merge: impl Fn(&mut T, T)) -> Result<(), Overlap> {
        for node in other.nodes {
            self.insert(node, &merge)?;
        }
        Ok(())
    }

    /// The value of chunks 0..chunks, if every one of them is held (and no other):
    /// the nodes folded from the right. None for no chunks.
    pub fn root(mut self, chunks: u64, merge: impl Fn(&mut T, T)) -> Result<Option<T>, u64> {
        if let Some(gap) = self.first_gap(chunks) {
            return Err(gap);
        }
        let Some(last) = self.nodes.pop() else {
            return Ok(None);
        };
        let mut acc = last.value;
        while let Some(mut left) = self.nodes.pop() {
            merge(&mut left.value, acc);
            acc = left.value;
        }
        Ok(Some(acc))
    }

    /// The first chunk of 0..chunks that is not held (or `chunks` if a node passes
    /// the end).
    pub fn first_gap(&self, chunks: u64) -> Option<u64> {
        let mut at = 0;
        for n in &self.nodes {
            if n.start() != at {
                return Some(at);
            }
            at = n.end();
        }
        if at < chunks {
            return Some(at);
        }
        (at > chunks).then_some(chunks)
    }

    /// The chunk ranges of the nodes, for checking a partial read from a state file
    /// (whose levels and indices are not trusted): Err if a node's range does not fit
    /// in a u64 or the nodes are not in order and disjoint.
    pub fn ranges(&self) -> Result<Vec<std::ops::Range<u64>>, String> {
        let mut out: Vec<std::ops::Range<u64>> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let range = (n.level < 64)
                .then(|| 1u64 << n.level)
                .and_then(|size| {
                    Some(n.index.checked_mul(size)?..n.index.checked_add(1)?.checked_mul(size)?)
                })
                .ok_or_else(|| {
                    format!(
                        "a node of the chunk tree (level {}, index {}) lies past any chunk",
                        n.level, n.index
                    )
                })?;
            if out.last().is_some_and(|last| last.end > range.start) {
                return Err("the chunk tree's nodes overlap or are out of order".into());
            }
            out.push(range);
        }
        Ok(out)
    }

    /// The nodes' values, in chunk order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.nodes.iter().map(|n| &n.value)
    }

    /// Inserts a node in order, then merges it with its sibling while the sibling is
    /// present: the tree's shape depends only on the chunk indices.
    fn insert(&mut self, node: Node<T>, merge: &impl Fn(&mut T, T)) -> Result<(), Overlap> {
        let at = self.nodes.partition_point(|n| n.start() < node.start());
        let overlaps_prev = at > 0 && self.nodes[at - 1].end() > node.start();
        let overlaps_next = at < self.nodes.len() && self.nodes[at].start() < node.end();
        if overlaps_prev || overlaps_next {
            let chunk = if overlaps_next {
                self.nodes[at].start().max(node.start())
            } else {
                node.start()
            };
            return Err(Overlap { chunk });
        }
        self.nodes.insert(at, node);
        let mut k = at;
        loop {
            let n = &self.nodes[k];
            let (left, right) = if n.index % 2 == 1 {
                (k.checked_sub(1), k)
            } else {
                (Some(k), k + 1)
            };
            let Some(left) = left else { break };
            if right >= self.nodes.len() {
                break;
            }
            let (l, r) = (&self.nodes[left], &self.nodes[right]);
            if l.level != r.level || l.index + 1 != r.index || l.index % 2 != 0 {
                break;
            }
            let r = self.nodes.remove(right);
            let l = &mut self.nodes[left];
            merge(&mut l.value, r.value);
            l.level += 1;
            l.index /= 2;
            k = left;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A merge that records its shape: "(a b)".
    fn join(a: &mut String, b: String) {
        *a = format!("({a} {b})");
    }

    fn in_order(chunks: u64) -> String {
        let mut d = Dyadic::default();
        for c in 0..chunks {
            d.push(c, c.to_string(), join).unwrap();
        }
        d.root(chunks, join).unwrap().unwrap()
    }

    #[test]
    fn the_tree_is_the_binary_one_folded_from_the_right() {
        assert_eq!(in_order(1), "0");
        assert_eq!(in_order(4), "((0 1) (2 3))");
        assert_eq!(in_order(5), "(((0 1) (2 3)) 4)");
        assert_eq!(in_order(7), "(((0 1) (2 3)) ((4 5) 6))");
    }

    #[test]
    fn any_split_and_any_order_gives_the_same_tree() {
        for chunks in 1..40u64 {
            let want = in_order(chunks);
            for parts in 1..=chunks.min(9) {
                // Shards of the chunk sequence, absorbed in a scrambled order.
                let mut shards: Vec<Dyadic<String>> = (0..parts)
                    .map(|k| {
                        let mut d = Dyadic::default();
                        for c in k * chunks / parts..(k + 1) * chunks / parts {
                            d.push(c, c.to_string(), join).unwrap();
                        }
                        d
                    })
                    .collect();
                let mut total = Dyadic::default();
                while !shards.is_empty() {
                    let pick = (chunks as usize * 7 + shards.len() * 3) % shards.len();
                    total.absorb(shards.swap_remove(pick), join).unwrap();
                }
                assert_eq!(total.root(chunks, join).unwrap().unwrap(), want);
            }
        }
    }

    #[test]
    fn a_chunk_held_twice_or_missing_is_found() {
        let mut a = Dyadic::default();
        a.push(0, "0".to_string(), join).unwrap();
        a.push(1, "1".to_string(), join).unwrap();
        let mut b = Dyadic::default();
        b.push(1, "1".to_string(), join).unwrap();
        assert_eq!(a.clone().absorb(b, join), Err(Overlap { chunk: 1 }));
        assert_eq!(a.first_gap(3), Some(2));
        assert_eq!(a.first_gap(2), None);
        assert_eq!(a.first_gap(1), Some(1));
        let mut c = Dyadic::default();
        c.push(2, "2".to_string(), join).unwrap();
        assert_eq!(c.first_gap(3), Some(0));
    }
}
