//! Where pod specs are in an object.
//!
//! Built-in workload kinds have theirs at a fixed place (`spec` of a Pod, `spec.template.spec`
//! of a Deployment, ...); one whose pod spec has no `containers` is an input error, as the API
//! server rejects it. Custom resources are searched by shape, wherever they nest:
//! - a pod template: a `template` mapping whose `spec` lists `containers` (KEDA ScaledJob's
//!   `spec.jobTargetRef.template`, Kubeflow's `*ReplicaSpecs.*.template`, Ray's
//!   `headGroupSpec.template`, Volcano's `tasks[].template`, Argo Rollouts, Knative, ...);
//! - an embedded object (`apiVersion` and `kind`): a built-in workload's fixed place;
//! - bare containers: mappings with a string `image`, container-like fields
//!   (`name`/`resources`/`env`/`command`/...) and nothing but container fields. The bare
//!   containers under one mapping are one pod (an Argo Workflows template's `container`,
//!   `script`, `initContainers` and `sidecars`; a Tekton Task's `steps` and `sidecars`).
//!
//! Shapes are kept precise: the Prometheus operator's `spec` has an `image` and `resources`, but
//! also fields no container has; its `spec.containers` patches have no `image`. Spark's
//! `driver` and `executor` (`cores`, `memory` in Spark's notation) are not containers either.

use compact_str::CompactString;

use super::model::{Extractor, Object, Pod};
use super::yaml::Node;

/// Kinds whose pod spec is at a fixed place: the path to the pod template (empty for a Pod).
fn fixed_template(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &[],
        "PodTemplate" => &["template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template"],
        _ => return None,
    })
}

/// Whether an object is a built-in workload: its kind, in the core, `apps` or `batch` group (a
/// Volcano `batch.volcano.sh` Job is not a Job). Without `apiVersion`, the kind decides.
fn is_built_in(root: &Node, kind: &str) -> bool {
    fixed_template(kind).is_some()
        && root.get("apiVersion").and_then(Node::as_str).is_none_or(|version| {
            let group = version.rsplit_once('/').map_or("", |(group, _)| group);
            matches!(group, "" | "apps" | "batch" | "extensions")
        })
}

/// Kinds that are never searched: they hold schemas or text that may look like a pod.
fn never_holds_pods(kind: &str) -> bool {
    // Matched by kind alone: Knative's `Service` is a `Service` too.
    matches!(kind, "ConfigMap" | "Secret" | "LimitRange" | "CustomResourceDefinition")
}

/// The fields of a Kubernetes container, and those that custom resources add to their
/// container-like entries (Argo Workflows: `source`, `mirrorVolumeMounts`, `dependencies`;
/// Tekton steps: `script`, `computeResources`, `onError`, ...).
const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "restartPolicyRules",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
    // Argo Workflows
    "source",
    "mirrorVolumeMounts",
    "dependencies",
    // Tekton
    "script",
    "computeResources",
    "onError",
    "timeout",
    "workspaces",
    "results",
    "params",
    "when",
    "stdoutConfig",
    "stderrConfig",
    "displayName",
];

/// Fields that make an `image` mapping a container rather than some other image reference.
const CONTAINER_MARKERS: &[&str] = &[
    "name",
    "resources",
    "computeResources",
    "env",
    "envFrom",
    "command",
    "args",
    "script",
    "source",
];

/// Whether a mapping inside a custom resource is a container.
fn is_bare_container(node: &Node) -> bool {
    node.get("image").and_then(Node::as_str).is_some_and(|image| !image.trim().is_empty())
        && CONTAINER_MARKERS.iter().any(|key| node.get(key).is_some())
        && node
            .entries()
            .iter()
            .all(|(key, _)| key.as_str().is_some_and(|key| CONTAINER_FIELDS.contains(&key)))
}

fn is_kubernetes_object(root: &Node) -> bool {
    root.get("apiVersion").and_then(Node::as_str).is_some()
        && root.get("kind").and_then(Node::as_str).is_some()
}

/// Nesting deeper than this is not searched (the YAML reader bounds depth too).
const MAX_DEPTH: usize = 64;

/// The pod specs of an object: at a built-in kind's fixed place, or found by shape anywhere in
/// a custom resource; shape errors go to the extractor's errors.
pub fn pods<'a>(extractor: &mut Extractor<'_>, object: &Object<'a>) -> Vec<Pod<'a>> {
    let mut pods = Vec::new();
    find_pods(extractor, object, &mut pods);
    pods
}

/// Adds the pods of `object` to `out`; shape errors go to the extractor's errors.
pub fn find_pods<'a>(extractor: &mut Extractor<'_>, object: &Object<'a>, out: &mut Vec<Pod<'a>>) {
    let kind = object.object.kind.as_str();
    if is_built_in(object.root, kind) {
        fixed_pod(extractor, object, object.root, kind, &[], out);
    } else if is_kubernetes_object(object.root) {
        if !never_holds_pods(kind) {
            let mut path = Vec::new();
            search(extractor, object, object.root, &mut path, true, out);
        }
    } else if let Some(template) = object.root.path(&["spec", "template"])
        && is_pod_template(template)
        && let Some(spec) = template.get("spec")
    {
        // Not an object (no `apiVersion`, no `kind`: a values file a directory walk picked up):
        // only the one shape every workload shares.
        out.extend(extractor.pod_from_spec(object, spec, template.get("metadata"), None));
    }
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn render(path: &[Step<'_>]) -> CompactString {
    let mut out = CompactString::default();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// The pod of a built-in workload at `root` (the object itself, or one embedded at `prefix`).
fn fixed_pod<'a>(
    extractor: &mut Extractor<'_>,
    object: &Object<'a>,
    root: &'a Node,
    kind: &str,
    prefix: &[Step<'a>],
    out: &mut Vec<Pod<'a>>,
) {
    let Some(template_path) = fixed_template(kind) else { return };
    let (spec, metadata) = if template_path.is_empty() {
        let Some(spec) = root.get("spec") else { return };
        (spec, None)
    } else {
        // No template at all: a patch (kustomize) or a reference, not a pod.
        let Some(template) = root.path(template_path) else { return };
        let Some(spec) = template.get("spec") else {
            if !is_patch(root, kind) {
                extractor.report(
                    template,
                    format!(
                        "{kind} `{}`: the pod template has no `spec`; the API server rejects it",
                        object.object.name
                    ),
                );
            }
            return;
        };
        (spec, template.get("metadata"))
    };
    if spec.is_mapping() && spec.get("containers").is_none() {
        missing_containers(extractor, object, root, kind, spec);
        return;
    }
    let pod_path = (!prefix.is_empty()).then(|| {
        let mut path = prefix.to_vec();
        path.extend(template_path.iter().map(|key| Step::Key(key)));
        render(&path)
    });
    out.extend(extractor.pod_from_spec(object, spec, metadata, pod_path));
}

/// A Deployment, ReplicaSet, StatefulSet or DaemonSet without `spec.selector` is a strategic
/// merge patch (kustomize), which may leave `containers` out; the API server requires a selector.
fn is_patch(root: &Node, kind: &str) -> bool {
    matches!(kind, "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        && root.path(&["spec", "selector"]).is_none()
}

fn missing_containers(
    extractor: &mut Extractor<'_>,
    object: &Object<'_>,
    root: &Node,
    kind: &str,
    spec: &Node,
) {
    let typo =
        spec.entries().iter().find(|(key, _)| key.as_str().is_some_and(looks_like_containers));
    if typo.is_none() && is_patch(root, kind) {
        return;
    }
    let name = &object.object.name;
    match typo {
        Some((key, _)) => extractor.report(
            key,
            format!(
                "{kind} `{name}`: the pod spec has no `containers` (`{}` is not a pod spec field: \
                 did you mean `containers`?); the API server rejects it",
                key.as_str().unwrap_or_default()
            ),
        ),
        None => extractor.report(
            spec,
            format!("{kind} `{name}`: the pod spec has no `containers`; the API server rejects it"),
        ),
    }
}

/// `container`, `Containers`, `containres`: a key that was meant to be `containers`.
fn looks_like_containers(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key != "containers" && key != "initcontainers" && edit_distance(&key, "containers") <= 2
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Searches a custom resource's tree (`node` at `path`) for pod templates, embedded workloads
/// and bare containers.
fn search<'a>(
    extractor: &mut Extractor<'_>,
    object: &Object<'a>,
    node: &'a Node,
    path: &mut Vec<Step<'a>>,
    is_root: bool,
    out: &mut Vec<Pod<'a>>,
) {
    if path.len() > MAX_DEPTH || !node.is_mapping() {
        return;
    }
    if !is_root
        && node.get("apiVersion").and_then(Node::as_str).is_some()
        && let Some(kind) = node.get("kind").and_then(Node::as_str)
    {
        if is_built_in(node, kind) {
            fixed_pod(extractor, object, node, kind, path, out);
            return;
        }
        if never_holds_pods(kind) {
            return;
        }
    }
    let mut bare: Vec<(&'a str, &'a Node)> = Vec::new();
    for (key, value) in node.entries() {
        let Some(key) = key.as_str() else { continue };
        if matches!(key, "metadata" | "status" | "stepTemplate") {
            continue;
        }
        path.push(Step::Key(key));
        if key == "template" && is_pod_template(value) {
            let pod_path = (render(path) != "spec.template").then(|| render(path));
            if let Some(spec) = value.get("spec") {
                out.extend(extractor.pod_from_spec(object, spec, value.get("metadata"), pod_path));
            }
        } else if let Some(items) = value.as_sequence() {
            for (index, item) in items.iter().enumerate() {
                if is_bare_container(item) {
                    bare.push((key, item));
                } else if item.is_mapping() {
                    path.push(Step::Index(index));
                    search(extractor, object, item, path, false, out);
                    path.pop();
                }
            }
        } else if is_bare_container(value) {
            bare.push((key, value));
        } else {
            search(extractor, object, value, path, false, out);
        }
        path.pop();
    }
    if !bare.is_empty() {
        let pod_path = Some(if path.is_empty() { "<root>".into() } else { render(path) });
        out.push(extractor.pod_from_containers(object, node, bare, pod_path));
    }
}

/// A `template` whose `spec` lists `containers`.
fn is_pod_template(node: &Node) -> bool {
    node.get("spec")
        .filter(|spec| spec.is_mapping())
        .and_then(|spec| spec.get("containers"))
        .is_some_and(|containers| !containers.is_null())
}
