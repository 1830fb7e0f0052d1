//! Which store paths go into which layer: [`plan_layers`].
//!
//! A registry and a container engine store layers by digest, so a layer that two images (or two
//! versions of one image) have in common is pushed, pulled and stored once. The plan therefore
//! tries to give every store path a layer of its own, and when the layer limit does not allow
//! that, to keep the paths most likely to be shared alone and to group the rest where grouping
//! costs least.
//!
//! The algorithm:
//!
//! 1. **Graph.** The nodes are the closure's store paths (duplicates merged); an edge goes from a
//!    path to each path it refers to. Self-references and references to paths outside the
//!    closure are dropped.
//! 2. **Roots.** The given roots that are in the closure; when none are given, the paths no other
//!    path refers to. The roots are what the image is for (the application, its `contents`),
//!    the paths most likely to change from one image to the next.
//! 3. **Popularity.** A path's popularity is the number of other paths of the closure that depend
//!    on it, directly or transitively (the size of its set of ancestors). A C library used by
//!    everything is the most popular path; the application is the least. This is the idea of
//!    nixpkgs' `references-by-popularity`, with a count that is linear in the closure and does
//!    not grow with the number of distinct dependency chains.
//! 4. **Order.** The paths that are not roots, and separately the roots, are sorted by
//!    popularity, most popular first; equal popularity is ordered by the name after the hash, then
//!    by the whole path (as nixpkgs does, so that paths of one package sort together whatever
//!    their hash).
//! 5. **Layers.** One layer is always left for the customisation layer, so the store paths get
//!    `budget = max(max_layers, 2) - 1` layers:
//!    - when every path fits (`paths <= budget`), each path has a layer of its own: the other
//!      paths in popularity order, then the roots;
//!    - otherwise, when the paths that are not roots fit with a layer to spare, each has a layer
//!      of its own and the roots fill the layers left, the least popular roots sharing the last
//!      one (an image of many unrelated `contents` still gets `budget` layers);
//!    - otherwise the roots share one layer, the last, so that an update of the application
//!      rebuilds and re-pushes only that layer; of the `budget - 1` layers left, all but one go to
//!      the most popular paths, one each, and the last takes the rest, the least popular paths.
//!      Unlike nixpkgs' single catch-all layer, the application is never lumped with its
//!      dependencies, which change far less often; and the grouped paths are the least shared
//!      ones, whose own layers would be reused least;
//!    - with a budget of one layer, everything is in it.
//!
//! The plan depends only on the set of paths, their references and the roots, never on the order
//! of the input: nodes are indexed in sorted order and every tie is broken by the path itself.
//! Paths inside a layer are sorted.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::StorePathEntry;

/// The layers for `closure`, bottom first, each a sorted list of logical store paths; every path
/// of the closure is in exactly one layer, and there are at most `max(max_layers, 2) - 1` layers,
/// leaving one for the customisation layer. `roots` are the paths the image is for (usually the
/// paths the customisation layer and the configuration refer to). See the module documentation
/// for the algorithm.
pub fn plan_layers(
    closure: &[StorePathEntry],
    roots: &[String],
    max_layers: usize,
) -> Vec<Vec<String>> {
    let graph = Graph::new(closure);
    let n = graph.names.len();
    if n == 0 {
        return Vec::new();
    }

    let mut is_root = vec![false; n];
    for root in roots {
        if let Some(&i) = graph.index.get(root.as_str()) {
            is_root[i] = true;
        }
    }
    if !is_root.iter().any(|&r| r) {
        for (i, referrers) in graph.referrers.iter().enumerate() {
            is_root[i] = referrers.is_empty();
        }
    }

    let popularity = graph.popularity();
    let name_key = |i: usize| {
        let name = graph.names[i];
        let base = name.rsplit_once('/').map_or(name, |(_, b)| b);
        let after_hash = base.split_once('-').map_or("", |(_, rest)| rest);
        (after_hash, name)
    };

    let mut others: Vec<usize> = (0..n).filter(|&i| !is_root[i]).collect();
    others.sort_by_key(|&i| (Reverse(popularity[i]), name_key(i)));
    let mut root_list: Vec<usize> = (0..n).filter(|&i| is_root[i]).collect();
    root_list.sort_by_key(|&i| (Reverse(popularity[i]), name_key(i)));

    let budget = max_layers.max(2) - 1;
    let mut layers: Vec<Vec<usize>> = Vec::new();
    if n <= budget {
        layers.extend(others.iter().chain(&root_list).map(|&i| vec![i]));
    } else if budget == 1 {
        layers.push((0..n).collect());
    } else if others.len() < budget {
        // Every other path alone; the roots fill the rest, the least popular sharing the last.
        layers.extend(others.iter().map(|&i| vec![i]));
        let (alone, shared) = root_list.split_at(budget - others.len() - 1);
        layers.extend(alone.iter().map(|&i| vec![i]));
        layers.push(shared.to_vec());
    } else {
        // The roots share the last layer; the least popular of the others share the one before.
        let (alone, shared) = others.split_at(budget - 2);
        layers.extend(alone.iter().map(|&i| vec![i]));
        layers.push(shared.to_vec());
        layers.push(root_list);
    }

    layers
        .into_iter()
        .map(|layer| {
            let mut paths: Vec<String> = layer.iter().map(|&i| graph.names[i].to_owned()).collect();
            paths.sort();
            paths
        })
        .collect()
}

/// The reference graph of a closure, its nodes indexed in sorted order of their paths.
struct Graph<'a> {
    names: Vec<&'a str>,
    index: BTreeMap<&'a str, usize>,
    /// For each node, the nodes that refer to it.
    referrers: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(closure: &'a [StorePathEntry]) -> Graph<'a> {
        let set: BTreeSet<&str> = closure.iter().map(|e| e.logical.as_str()).collect();
        let names: Vec<&str> = set.into_iter().collect();
        let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut referrer_sets = vec![BTreeSet::new(); names.len()];
        for entry in closure {
            let from = index[entry.logical.as_str()];
            for reference in &entry.references {
                if let Some(&to) = index.get(reference.as_str())
                    && to != from
                {
                    referrer_sets[to].insert(from);
                }
            }
        }
        let referrers = referrer_sets
            .into_iter()
            .map(|s| s.into_iter().collect())
            .collect();
        Graph {
            names,
            index,
            referrers,
        }
    }

    /// For each node, how many other nodes reach it (cycles, which a store never has, are
    /// counted once and do not loop).
    fn popularity(&self) -> Vec<usize> {
        let n = self.names.len();
        let mut seen = vec![usize::MAX; n];
        let mut stack = Vec::new();
        (0..n)
            .map(|start| {
                let mut count = 0;
                seen[start] = start;
                stack.push(start);
                while let Some(node) = stack.pop() {
                    for &r in &self.referrers[node] {
                        if seen[r] != start {
                            seen[r] = start;
                            count += 1;
                            stack.push(r);
                        }
                    }
                }
                count
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, refs: &[&str]) -> StorePathEntry {
        StorePathEntry {
            logical: format!("/nix/store/{name}"),
            physical: format!("/phys/{name}").into(),
            references: refs.iter().map(|r| format!("/nix/store/{r}")).collect(),
        }
    }

    fn p(name: &str) -> String {
        format!("/nix/store/{name}")
    }

    /// app -> {libfoo, bash}, libfoo -> glibc, bash -> glibc, glibc -> glibc (self).
    fn closure() -> Vec<StorePathEntry> {
        vec![
            entry("aaa-app", &["ccc-libfoo", "ddd-bash", "aaa-app"]),
            entry("ccc-libfoo", &["bbb-glibc"]),
            entry("ddd-bash", &["bbb-glibc"]),
            entry("bbb-glibc", &["bbb-glibc"]),
        ]
    }

    fn check_partition(closure: &[StorePathEntry], layers: &[Vec<String>]) {
        let mut all: Vec<&String> = layers.iter().flatten().collect();
        all.sort();
        let before = all.len();
        all.dedup();
        assert_eq!(before, all.len(), "a path is in two layers");
        let expected: BTreeSet<&String> = closure.iter().map(|e| &e.logical).collect();
        assert_eq!(all.into_iter().collect::<BTreeSet<_>>(), expected);
        assert!(layers.iter().all(|l| !l.is_empty()));
    }

    #[test]
    fn one_layer_per_path_when_they_fit_most_popular_first_roots_last() {
        let layers = plan_layers(&closure(), &[p("aaa-app")], 100);
        assert_eq!(
            layers,
            vec![
                vec![p("bbb-glibc")],
                vec![p("ddd-bash")],
                vec![p("ccc-libfoo")],
                vec![p("aaa-app")],
            ]
        );
    }

    #[test]
    fn popularity_counts_transitive_dependents() {
        let c = closure();
        let g = Graph::new(&c);
        let pop: BTreeMap<&str, usize> = g.names.iter().copied().zip(g.popularity()).collect();
        assert_eq!(pop[p("bbb-glibc").as_str()], 3);
        assert_eq!(pop[p("ccc-libfoo").as_str()], 1);
        assert_eq!(pop[p("ddd-bash").as_str()], 1);
        assert_eq!(pop[p("aaa-app").as_str()], 0);
    }

    #[test]
    fn too_many_paths_keep_roots_alone_and_group_the_least_popular() {
        // Budget: 4 - 1 = 3 layers for 4 paths: glibc alone, bash and libfoo together, app alone.
        let layers = plan_layers(&closure(), &[p("aaa-app")], 4);
        assert_eq!(
            layers,
            vec![
                vec![p("bbb-glibc")],
                vec![p("ccc-libfoo"), p("ddd-bash")],
                vec![p("aaa-app")],
            ]
        );
        // Budget 2: the dependencies together, the application alone.
        let layers = plan_layers(&closure(), &[p("aaa-app")], 3);
        assert_eq!(
            layers,
            vec![
                vec![p("bbb-glibc"), p("ccc-libfoo"), p("ddd-bash")],
                vec![p("aaa-app")],
            ]
        );
        // Budget 1 (and anything smaller is treated as 2 layers): everything together.
        for max in [0, 1, 2] {
            let layers = plan_layers(&closure(), &[p("aaa-app")], max);
            assert_eq!(layers.len(), 1);
            check_partition(&closure(), &layers);
        }
    }

    #[test]
    fn roots_default_to_the_paths_nothing_refers_to() {
        assert_eq!(
            plan_layers(&closure(), &[], 100),
            plan_layers(&closure(), &[p("aaa-app")], 100)
        );
    }

    #[test]
    fn several_roots_share_the_last_layer_when_paths_do_not_fit() {
        let mut c = closure();
        c.push(entry("eee-cacert", &[]));
        let layers = plan_layers(&c, &[p("aaa-app"), p("eee-cacert")], 4);
        assert_eq!(layers.last().unwrap(), &vec![p("aaa-app"), p("eee-cacert")]);
        assert_eq!(layers.len(), 3);
        check_partition(&c, &layers);
    }

    #[test]
    fn many_roots_without_references_still_use_the_budget() {
        let c: Vec<StorePathEntry> = (0..10)
            .map(|i| entry(&format!("h{i}-tool{i}"), &[]))
            .collect();
        let layers = plan_layers(&c, &[], 5);
        assert_eq!(layers.len(), 4);
        assert_eq!(
            &layers[..3],
            &[
                vec![p("h0-tool0")],
                vec![p("h1-tool1")],
                vec![p("h2-tool2")]
            ]
        );
        assert_eq!(layers[3].len(), 7);
        check_partition(&c, &layers);
        // The other paths alone, then the most popular roots alone, the rest shared.
        let mut c = closure();
        c.extend((0..3).map(|i| entry(&format!("h{i}-tool{i}"), &["bbb-glibc"])));
        let roots: Vec<String> = ["aaa-app", "h0-tool0", "h1-tool1", "h2-tool2"]
            .map(p)
            .into();
        let layers = plan_layers(&c, &roots, 7);
        assert_eq!(layers.len(), 6);
        assert_eq!(
            layers[..3],
            [
                vec![p("bbb-glibc")],
                vec![p("ddd-bash")],
                vec![p("ccc-libfoo")]
            ]
        );
        assert_eq!(layers[3..5], [vec![p("aaa-app")], vec![p("h0-tool0")]]);
        assert_eq!(layers[5], vec![p("h1-tool1"), p("h2-tool2")]);
    }

    #[test]
    fn plan_is_independent_of_input_order_and_duplicates() {
        // A larger closure: a chain of libraries, each used by the ones after it.
        let mut c: Vec<StorePathEntry> = (0..40)
            .map(|i| {
                let refs: Vec<String> = (0..i)
                    .step_by(3)
                    .map(|j| format!("h{j:02}-lib{j}"))
                    .collect();
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                entry(&format!("h{i:02}-lib{i}"), &refs)
            })
            .collect();
        c.push(entry("zz-app", &["h39-lib39", "h38-lib38"]));
        for max in [2, 3, 5, 10, 41, 42, 100] {
            let expected = plan_layers(&c, &[p("zz-app")], max);
            check_partition(&c, &expected);
            assert!(expected.len() < max.max(2));
            if max > 2 {
                assert_eq!(expected.last().unwrap(), &vec![p("zz-app")], "max {max}");
            } else {
                assert_eq!(expected.len(), 1);
            }
            let mut shuffled = c.clone();
            shuffled.reverse();
            shuffled.rotate_left(7);
            shuffled.push(c[3].clone());
            for e in &mut shuffled {
                e.references.reverse();
            }
            assert_eq!(
                plan_layers(&shuffled, &[p("zz-app")], max),
                expected,
                "max {max}"
            );
        }
    }
}
