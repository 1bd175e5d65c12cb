//! The model's graph as an asset: which inputs can affect which params.
//!
//! Every analysis that asks "which inputs matter" (sensitivity, Sobol, anatomy)
//! starts from these sets rather than from correlations in samples, so an input
//! that cannot reach a param is never credited with its spread.

use super::Plan;
use crate::model::Model;

impl Plan {
    /// The inputs (params holding a distribution draw in this plan) that `param`
    /// depends on, itself included when it is an input, in file order.
    ///
    /// A walk over the dependency graph from `param` alone, so it costs the size of
    /// that param's ancestry, not of the model. Params held fixed by a fill are not
    /// inputs of the plan and are never listed.
    pub fn ancestor_inputs(&self, model: &Model, param: usize) -> Vec<usize> {
        let mut seen = vec![false; model.params.len()];
        let mut stack = vec![param];
        seen[param] = true;
        while let Some(p) = stack.pop() {
            for &d in &model.params[p].deps {
                if !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        self.inputs.iter().copied().filter(|&i| seen[i]).collect()
    }

    /// Whether `input` can affect `param`: `input` is among its ancestor inputs.
    pub fn affects(&self, model: &Model, input: usize, param: usize) -> bool {
        self.ancestor_inputs(model, param).contains(&input)
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
    }
}
