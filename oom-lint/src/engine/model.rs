//! Documents → the pod specs they hold, with their containers, and the context objects
//! (LimitRanges) that change what a container gets.
//!
//! Pod specs are found by shape: `spec` of a Pod, `template.spec` of a PodTemplate,
//! `spec.jobTemplate.spec.template.spec` of a CronJob, and `spec.template.spec` of anything whose
//! template holds `containers` (Deployments, StatefulSets, Argo Rollouts, Knative Services, ...).

use std::collections::HashMap;

use compact_str::CompactString;
use oom_core::quantity::Quantity;
use serde::Serialize;

use super::limit_range::{self, Admission, NamespaceLimits};
use super::source::InputError;
use super::yaml::{Document, Node};
use crate::settings::Settings;

/// The annotation that names a pod's main container (`kubectl logs` and `exec` default to it).
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: CompactString,
    pub name: CompactString,
    pub namespace: Option<CompactString>,
    /// Where in the object its pod template sits, when not at a built-in kind's usual place
    /// (`spec.jobTargetRef.template`, `spec.templates[2]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_path: Option<CompactString>,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}/{} (namespace {namespace})", self.kind, self.name)?,
            None => write!(f, "{}/{}", self.kind, self.name)?,
        }
        match &self.pod_path {
            Some(path) => write!(f, " at {path}"),
            None => Ok(()),
        }
    }
}

/// A Kubernetes object of the input, with where it came from.
#[derive(Debug)]
pub struct Object<'a> {
    pub source: usize,
    pub object: ObjectRef,
    pub root: &'a Node,
    pub template: Option<&'a str>,
}

#[derive(Debug)]
pub struct Pod<'a> {
    pub source: usize,
    pub object: ObjectRef,
    pub template: Option<&'a str>,
    pub spec: &'a Node,
    /// Annotation mappings of the object and of its pod template, in that order.
    pub annotations: Vec<&'a Node>,
    pub containers: Vec<Container<'a>>,
    /// Pod-level `spec.resources` (Kubernetes 1.32+).
    pub resources: Resources<'a>,
    /// The memory values the API server admits (filled in with the namespace's context by
    /// [`Pod::admit`]; empty until then).
    pub admission: Admission<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    /// The pod's main container: the default-container annotation's, else the first.
    Primary,
    /// Any other regular container: a sidecar.
    Secondary,
    /// An init container that runs to completion before the others start.
    Init,
    /// An init container with `restartPolicy: Always`: a native sidecar.
    NativeSidecar,
}

impl ContainerRole {
    pub fn is_sidecar(self) -> bool {
        matches!(self, Self::Secondary | Self::NativeSidecar)
    }
}

#[derive(Debug)]
pub struct Container<'a> {
    pub name: String,
    pub node: &'a Node,
    pub role: ContainerRole,
    pub resources: Resources<'a>,
    /// Its position in [`Pod::containers`]: tables computed per container (heap settings,
    /// observed usage) are indexed by it.
    pub index: usize,
}

impl Container<'_> {
    /// The node a finding about the whole container points at: its `name`, else its start.
    pub fn anchor(&self) -> &Node {
        self.node.get("name").unwrap_or(self.node)
    }
}

#[derive(Debug, Default)]
pub struct Resources<'a> {
    /// The `resources:` key, when present.
    pub key: Option<&'a Node>,
    pub limits_memory: Option<MemoryValue<'a>>,
    pub requests_memory: Option<MemoryValue<'a>>,
    /// `resources` had the wrong shape (already reported as an input error).
    pub malformed: bool,
}

#[derive(Debug, Clone)]
pub struct MemoryValue<'a> {
    pub node: &'a Node,
    pub quantity: Result<Quantity, String>,
}

impl MemoryValue<'_> {
    /// The byte count when the value is a valid, non-negative quantity.
    pub fn bytes(&self) -> Option<u64> {
        self.quantity.as_ref().ok().and_then(Quantity::bytes)
    }

    /// Whether the value is a valid zero: for a limit, Kubernetes reads that as no limit.
    pub fn is_zero(&self) -> bool {
        self.bytes() == Some(0)
    }
}

impl<'a> Pod<'a> {
    /// The admitted memory limit that bounds a container: its own, else the LimitRange default,
    /// else the pod-level one; with the node it was written at (the container's `resources`
    /// or name when the value comes from a LimitRange in the namespace).
    pub fn memory_limit(&self, container: &Container<'a>) -> Option<(u64, &'a Node)> {
        let admitted = self.admission.containers.get(container.index)?.limit.as_ref()?;
        let node = admitted
            .node
            .or(container.resources.key)
            .unwrap_or_else(|| container.node.get("name").unwrap_or(container.node));
        (admitted.bytes > 0).then_some((admitted.bytes, node))
    }
}

/// A ConfigMap of the input, for resolving `configMapKeyRef` and `envFrom`.
#[derive(Debug)]
pub struct ConfigMapData<'a> {
    pub source: usize,
    pub namespace: Option<CompactString>,
    pub name: CompactString,
    /// The `data` mapping.
    pub data: &'a Node,
}

/// Everything the rules may consult beyond the pod itself.
#[derive(Debug, Default)]
pub struct Context<'a> {
    /// Keyed by namespace: a stream can hold thousands of LimitRanges and ConfigMaps, and
    /// every container looks them up.
    limit_ranges: HashMap<Option<CompactString>, NamespaceLimits>,
    config_maps: HashMap<(Option<CompactString>, CompactString), ConfigMapData<'a>>,
    pub settings: Settings,
}

impl<'a> Context<'a> {
    pub fn new(settings: Settings) -> Self {
        Self { settings, ..Self::default() }
    }

    pub fn add_limit_range(&mut self, limits: NamespaceLimits) {
        self.limit_ranges.entry(limits.namespace.clone()).or_default().merge(limits);
    }

    /// Adds a ConfigMap; a later one of the same name and namespace replaces it, as
    /// `kubectl apply` of the whole stream would leave it.
    pub fn add_config_map(&mut self, config_map: ConfigMapData<'a>) {
        self.config_maps
            .insert((config_map.namespace.clone(), config_map.name.clone()), config_map);
    }

    /// The ConfigMap of that name in that namespace.
    pub fn config_map(&self, namespace: Option<&str>, name: &str) -> Option<&ConfigMapData<'a>> {
        self.config_maps.get(&(namespace.map(CompactString::from), CompactString::from(name)))
    }

    /// What the namespace's LimitRanges, all of them together, fill in and enforce.
    pub fn limits_for(&self, namespace: Option<&str>) -> NamespaceLimits {
        self.limit_ranges.get(&namespace.map(CompactString::from)).cloned().unwrap_or_default()
    }
}

/// Reads the input's objects, collecting shape errors instead of stopping at them.
#[derive(Debug)]
pub struct Extractor<'e> {
    pub errors: &'e mut Vec<InputError>,
    pub source_name: &'e str,
}

impl Extractor<'_> {
    fn error(&mut self, node: &Node, message: String) {
        self.errors.push(InputError {
            file: self.source_name.to_owned(),
            position: Some(node.start),
            message,
        });
    }

    /// The objects of a document: itself, or the items of a `*List`.
    pub fn objects<'a>(&mut self, source: usize, document: &'a Document) -> Vec<Object<'a>> {
        let mut objects = Vec::new();
        // A top-level list or scalar is some other YAML (an Ansible playbook, a values file
        // fragment) that a directory walk picked up; it cannot be a Kubernetes object.
        if document.root.is_mapping() {
            self.collect_objects(
                source,
                &document.root,
                document.template.as_deref(),
                &mut objects,
            );
        }
        objects
    }

    fn collect_objects<'a>(
        &mut self,
        source: usize,
        node: &'a Node,
        template: Option<&'a str>,
        out: &mut Vec<Object<'a>>,
    ) {
        if !node.is_mapping() {
            self.error(
                node,
                format!("expected a Kubernetes object (a mapping), found {}", node.type_name()),
            );
            return;
        }
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or_default();
        if kind.ends_with("List")
            && let Some(items) = node.get("items")
        {
            match items.as_sequence() {
                Some(items) => {
                    for item in items {
                        self.collect_objects(source, item, template, out);
                    }
                }
                None if items.is_null() => {}
                None => self.error(items, format!("`items` of a {kind} must be a list")),
            }
            return;
        }
        let metadata = node.get("metadata");
        let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
        let name = text("name").or_else(|| text("generateName")).unwrap_or("<unnamed>");
        let object = ObjectRef {
            kind: if kind.is_empty() { "<no kind>".into() } else { kind.into() },
            name: name.into(),
            namespace: text("namespace").map(CompactString::from),
            pod_path: None,
        };
        out.push(Object { source, object, root: node, template });
    }

    /// The memory values this object contributes, if it is a LimitRange; invalid values are
    /// input errors.
    pub fn limit_range(&mut self, object: &Object<'_>) -> Option<NamespaceLimits> {
        if object.object.kind != "LimitRange" {
            return None;
        }
        Some(limit_range::read_limit_range(
            object.root,
            &object.object.name,
            object.object.namespace.as_ref(),
            object.source,
            self.source_name,
            self.errors,
        ))
    }

    /// The data of a ConfigMap, if the object is one.
    pub fn config_map<'a>(&mut self, object: &Object<'a>) -> Option<ConfigMapData<'a>> {
        if object.object.kind != "ConfigMap" {
            return None;
        }
        let data = object.root.get("data").filter(|d| d.is_mapping())?;
        Some(ConfigMapData {
            source: object.source,
            namespace: object.object.namespace.clone(),
            name: object.object.name.clone(),
            data,
        })
    }

    pub(super) fn report(&mut self, node: &Node, message: String) {
        self.error(node, message);
    }

    /// A pod from a pod spec (`containers`, `initContainers`, pod-level `resources`).
    pub(super) fn pod_from_spec<'a>(
        &mut self,
        object: &Object<'a>,
        spec: &'a Node,
        template_metadata: Option<&'a Node>,
        pod_path: Option<CompactString>,
    ) -> Option<Pod<'a>> {
        if !spec.is_mapping() {
            self.error(spec, format!("a pod spec must be a mapping, found {}", spec.type_name()));
            return None;
        }
        let annotations = annotations_of(object.root, template_metadata);
        let default_container = default_container(&annotations);
        let mut containers = Vec::new();
        let regular = self.container_list(spec, "containers");
        let primary_index = default_container
            .and_then(|wanted| {
                regular.iter().position(|c| c.get("name").and_then(Node::as_str) == Some(wanted))
            })
            .unwrap_or(0);
        for (index, node) in regular.into_iter().enumerate() {
            let role = if index == primary_index {
                ContainerRole::Primary
            } else {
                ContainerRole::Secondary
            };
            containers.push(self.container(node, role, None));
        }
        for node in self.container_list(spec, "initContainers") {
            containers.push(self.container(node, init_role(node), None));
        }
        let resources = self.resources(spec, "resources");
        Some(self.finish_pod(object, spec, annotations, containers, resources, pod_path))
    }

    /// A pod made of the bare containers a custom resource holds under one mapping (an Argo
    /// Workflows template's `container`/`script`/`sidecars`, a Tekton Task's `steps`).
    pub(super) fn pod_from_containers<'a>(
        &mut self,
        object: &Object<'a>,
        parent: &'a Node,
        found: Vec<(&'a str, &'a Node)>,
        pod_path: Option<CompactString>,
    ) -> Pod<'a> {
        let annotations = annotations_of(object.root, parent.get("metadata"));
        let default_container = default_container(&annotations);
        // Tekton merges `stepTemplate` into every step: its resources are the steps' defaults.
        let step_template = parent
            .get("stepTemplate")
            .filter(|t| t.is_mapping())
            .map(|t| self.container_resources(t));
        let first_listed = found.iter().position(|(key, _)| *key == "containers");
        let mut containers = Vec::with_capacity(found.len());
        for (index, (key, node)) in found.into_iter().enumerate() {
            let role = match key {
                "sidecars" => ContainerRole::Secondary,
                "initContainers" => init_role(node),
                "containers" => {
                    let named = default_container.is_some_and(|wanted| {
                        node.get("name").and_then(Node::as_str) == Some(wanted)
                    });
                    if named || (default_container.is_none() && Some(index) == first_listed) {
                        ContainerRole::Primary
                    } else {
                        ContainerRole::Secondary
                    }
                }
                _ => ContainerRole::Primary,
            };
            let defaults = if key == "steps" { step_template.as_ref() } else { None };
            let mut container = self.container(node, role, defaults);
            // Argo Workflows names a template's unnamed `container` or `script` `main`.
            if node.get("name").is_none() && matches!(key, "container" | "script") {
                container.name = "main".to_owned();
            }
            containers.push(container);
        }
        self.finish_pod(object, parent, annotations, containers, Resources::default(), pod_path)
    }

    fn finish_pod<'a>(
        &mut self,
        object: &Object<'a>,
        spec: &'a Node,
        annotations: Vec<&'a Node>,
        mut containers: Vec<Container<'a>>,
        resources: Resources<'a>,
        pod_path: Option<CompactString>,
    ) -> Pod<'a> {
        for (index, container) in containers.iter_mut().enumerate() {
            container.index = index;
        }
        let mut object_ref = object.object.clone();
        object_ref.pod_path = pod_path;
        Pod {
            source: object.source,
            object: object_ref,
            template: object.template,
            spec,
            annotations,
            containers,
            resources,
            admission: Admission::default(),
        }
    }

    fn container_list<'a>(&mut self, spec: &'a Node, key: &str) -> Vec<&'a Node> {
        let Some(list) = spec.get(key) else { return Vec::new() };
        let Some(items) = list.as_sequence() else {
            if !list.is_null() {
                self.error(list, format!("`{key}` must be a list, found {}", list.type_name()));
            }
            return Vec::new();
        };
        items
            .iter()
            .filter(|item| {
                let ok = item.is_mapping();
                if !ok {
                    self.error(
                        item,
                        format!(
                            "an entry of `{key}` must be a mapping, found {}",
                            item.type_name()
                        ),
                    );
                }
                ok
            })
            .collect()
    }

    fn container<'a>(
        &mut self,
        node: &'a Node,
        role: ContainerRole,
        defaults: Option<&Resources<'a>>,
    ) -> Container<'a> {
        let name = node.get("name").and_then(Node::as_str).unwrap_or("<unnamed>").to_owned();
        let mut resources = self.container_resources(node);
        if let Some(defaults) = defaults {
            if resources.limits_memory.is_none() {
                resources.limits_memory = defaults.limits_memory.clone();
            }
            if resources.requests_memory.is_none() {
                resources.requests_memory = defaults.requests_memory.clone();
            }
        }
        Container { name, node, role, resources, index: 0 }
    }

    /// A container's `resources` (Tekton steps since v1: `computeResources`).
    fn container_resources<'a>(&mut self, node: &'a Node) -> Resources<'a> {
        let key = if node.get("resources").is_none() && node.get("computeResources").is_some() {
            "computeResources"
        } else {
            "resources"
        };
        self.resources(node, key)
    }

    fn resources<'a>(&mut self, owner: &'a Node, key: &str) -> Resources<'a> {
        let mut resources = Resources { key: owner.key_node(key), ..Default::default() };
        let Some(node) = owner.get(key).filter(|n| !n.is_null()) else {
            return resources;
        };
        if !node.is_mapping() {
            self.error(node, format!("`{key}` must be a mapping, found {}", node.type_name()));
            resources.malformed = true;
            return resources;
        }
        for (section, slot) in
            [("limits", &mut resources.limits_memory), ("requests", &mut resources.requests_memory)]
        {
            let Some(values) = node.get(section).filter(|n| !n.is_null()) else { continue };
            if !values.is_mapping() {
                self.error(
                    values,
                    format!("`{key}.{section}` must be a mapping, found {}", values.type_name()),
                );
                resources.malformed = true;
                continue;
            }
            let Some(memory) = values.get("memory").filter(|n| !n.is_null()) else { continue };
            match memory.as_str() {
                Some(text) => {
                    *slot = Some(MemoryValue {
                        node: memory,
                        quantity: Quantity::parse(text).map_err(|e| e.to_string()),
                    });
                }
                None => {
                    self.error(
                        memory,
                        format!(
                            "`{key}.{section}.memory` must be a quantity such as 512Mi, found {}",
                            memory.type_name()
                        ),
                    );
                    resources.malformed = true;
                }
            }
        }
        resources
    }
}

fn init_role(node: &Node) -> ContainerRole {
    if node.get("restartPolicy").and_then(Node::as_str) == Some("Always") {
        ContainerRole::NativeSidecar
    } else {
        ContainerRole::Init
    }
}

/// Annotation mappings of the object and of its pod template, in that order.
fn annotations_of<'a>(root: &'a Node, template_metadata: Option<&'a Node>) -> Vec<&'a Node> {
    [root.get("metadata"), template_metadata]
        .into_iter()
        .flatten()
        .filter_map(|metadata| metadata.get("annotations"))
        .filter(|annotations| annotations.is_mapping())
        .collect()
}

fn default_container<'a>(annotations: &[&'a Node]) -> Option<&'a str> {
    annotations
        .iter()
        .rev()
        .find_map(|a| a.get(DEFAULT_CONTAINER_ANNOTATION).and_then(Node::as_str))
}
