//! The model's graph as an asset: which inputs can affect which params.
//!
//! Every analysis that asks "which inputs matter" (sensitivity, Sobol, anatomy)
//! starts from these sets rather than from correlations in samples, so an input
//! that cannot reach a param is never credited with its spread.

use super::Plan;
use crate::model::Model;

/// Which params `starts` depend on, the starts included: one walk of the graph over
/// their ancestry, by index.
pub fn ancestry(model: &Model, starts: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; model.params.len()];
    let mut stack = starts.to_vec();
    while let Some(p) = stack.pop() {
        if !std::mem::replace(&mut seen[p], true) {
            stack.extend(model.params[p].deps.iter().copied().filter(|&d| !seen[d]));
        }
    }
    seen
}

/// Whether `param`'s value depends on `on` (or is it): `on` is among its ancestors in
/// the model's graph, whatever kind of param (input, derived, constant) `on` is.
pub fn depends_on(model: &Model, param: usize, on: usize) -> bool {
    ancestry(model, &[param])[on]
}

impl Plan {
    /// The inputs (params holding a distribution draw in this plan) that `param`
    /// depends on, itself included when it is an input, in file order.
    ///
    /// A walk over the dependency graph from `param` alone. Params held fixed by a
    /// fill are not inputs of the plan and are never listed.
    pub fn ancestor_inputs(&self, model: &Model, param: usize) -> Vec<usize> {
        let seen = ancestry(model, &[param]);
        self.inputs.iter().copied().filter(|&i| seen[i]).collect()
    }

    /// The inputs that no output or claim depends on, in file order (drawn, never
    /// reported): one walk from every reported param.
    pub fn idle_inputs(&self, model: &Model) -> Vec<usize> {
        let reported: Vec<usize> = model
            .outputs
            .iter()
            .copied()
            .chain(model.claims.iter().map(|c| c.param))
            .collect();
        let reached = ancestry(model, &reported);
        self.inputs
            .iter()
            .copied()
            .filter(|&i| !reached[i])
            .collect()
    }

    /// Whether `input` can affect `param`: `input` is among its ancestor inputs.
    pub fn affects(&self, model: &Model, input: usize, param: usize) -> bool {
        self.ancestor_inputs(model, param).contains(&input)
    }

    /// [`ancestor_inputs`](Self::ancestor_inputs) of each of `params`, with one
    /// scratch buffer for them all: the cost is the sum of their ancestries (plus
    /// one pass over the model), not the model's size once per param.
    pub fn ancestor_inputs_of(&self, model: &Model, params: &[usize]) -> Vec<Vec<usize>> {
        // Position of each input in `self.inputs` (file order), usize::MAX otherwise.
        let mut rank = vec![usize::MAX; model.params.len()];
        for (k, &i) in self.inputs.iter().enumerate() {
            rank[i] = k;
        }
        // `seen[p] == stamp` marks p visited in the current walk; no clearing needed.
        let mut seen = vec![usize::MAX; model.params.len()];
        let mut stack = Vec::new();
        params
            .iter()
            .enumerate()
            .map(|(stamp, &param)| {
                let mut found = Vec::new();
                seen[param] = stamp;
                stack.push(param);
                while let Some(p) = stack.pop() {
                    if rank[p] != usize::MAX {
                        found.push(p);
                    }
                    for &d in &model.params[p].deps {
                        if seen[d] != stamp {
                            seen[d] = stamp;
                            stack.push(d);
                        }
                    }
                }
                found.sort_unstable_by_key(|&p| rank[p]);
                found
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Source;
    use crate::model::Model;

    fn load(text: &str) -> Model {
        let source = Source {
            name: "test.toml".into(),
            text: text.into(),
        };
        crate::model::load(source, &[]).unwrap()
    }

    #[test]
    fn ancestors_follow_the_graph_not_the_file() {
        let model = load(
            r#"
[params]
a = "uniform(1, 2)"
b = "normal(a, 1)"
c = "uniform(0, 1)"
k = 3
d = "b * k"
g = "c + 1"
f = "d + g"
"#,
        );
        let plan = crate::plan::compile(&model).unwrap();
        let names = |p: &str| -> Vec<String> {
            plan.ancestor_inputs(&model, model.index_of(p).unwrap())
                .into_iter()
                .map(|i| model.params[i].name.clone())
                .collect()
        };
        assert_eq!(names("d"), ["a", "b"]);
        assert_eq!(names("g"), ["c"]);
        assert_eq!(names("f"), ["a", "b", "c"]);
        assert_eq!(names("a"), ["a"]);
        assert!(names("k").is_empty());
        assert!(!plan.affects(
            &model,
            model.index_of("c").unwrap(),
            model.index_of("d").unwrap()
        ));
        let all: Vec<usize> = (0..model.params.len()).collect();
        let each: Vec<Vec<usize>> = all
            .iter()
            .map(|&p| plan.ancestor_inputs(&model, p))
            .collect();
        assert_eq!(plan.ancestor_inputs_of(&model, &all), each);
    }
}
