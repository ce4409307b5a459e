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
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}/{} (namespace {namespace})", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
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

#[derive(Debug)]
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

/// What a namespace's LimitRanges fill in for containers that leave memory unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceDefaults {
    pub namespace: Option<CompactString>,
    pub default_limit: bool,
    pub default_request: bool,
}

impl<'a> Pod<'a> {
    /// The memory limit that bounds a container: its own, else the pod-level one.
    pub fn memory_limit(&self, container: &Container<'a>) -> Option<(u64, &'a Node)> {
        [&container.resources.limits_memory, &self.resources.limits_memory]
            .into_iter()
            .flatten()
            .find_map(|limit| limit.bytes().filter(|&b| b > 0).map(|bytes| (bytes, limit.node)))
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
    limit_ranges: HashMap<Option<CompactString>, NamespaceDefaults>,
    config_maps: HashMap<(Option<CompactString>, CompactString), ConfigMapData<'a>>,
    pub settings: Settings,
}

impl<'a> Context<'a> {
    pub fn new(settings: Settings) -> Self {
        Self { settings, ..Self::default() }
    }

    pub fn add_limit_range(&mut self, defaults: NamespaceDefaults) {
        let merged = self.limit_ranges.entry(defaults.namespace.clone()).or_default();
        merged.namespace = defaults.namespace;
        merged.default_limit |= defaults.default_limit;
        merged.default_request |= defaults.default_request;
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

    /// What the namespace's LimitRanges, all of them together, fill in.
    pub fn defaults_for(&self, namespace: Option<&str>) -> NamespaceDefaults {
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
        };
        out.push(Object { source, object, root: node, template });
    }

    /// LimitRange defaults this object contributes, if it is a LimitRange.
    pub fn limit_range(&mut self, object: &Object<'_>) -> Option<NamespaceDefaults> {
        if object.object.kind != "LimitRange" {
            return None;
        }
        let mut defaults =
            NamespaceDefaults { namespace: object.object.namespace.clone(), ..Default::default() };
        for limit in object.root.path(&["spec", "limits"]).and_then(Node::as_sequence)? {
            if limit.get("type").and_then(Node::as_str) != Some("Container") {
                continue;
            }
            let has_memory = |key| limit.path(&[key, "memory"]).is_some_and(|n| !n.is_null());
            defaults.default_limit |= has_memory("default");
            defaults.default_request |= has_memory("defaultRequest");
        }
        Some(defaults)
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

    /// The pod spec of an object, if it holds one.
    pub fn pod<'a>(&mut self, object: &Object<'a>) -> Option<Pod<'a>> {
        let root = object.root;
        let (spec, template_metadata) = match object.object.kind.as_str() {
            "Pod" => (root.get("spec")?, None),
            "PodTemplate" => {
                (root.path(&["template", "spec"])?, root.path(&["template", "metadata"]))
            }
            "CronJob" => {
                let template = root.path(&["spec", "jobTemplate", "spec", "template"])?;
                (template.get("spec")?, template.get("metadata"))
            }
            _ => {
                let template = root.path(&["spec", "template"])?;
                let spec = template.get("spec")?;
                // Found by shape: any template whose spec lists containers is a pod template.
                spec.get("containers")?;
                (spec, template.get("metadata"))
            }
        };
        if !spec.is_mapping() {
            self.error(spec, format!("a pod spec must be a mapping, found {}", spec.type_name()));
            return None;
        }
        let annotations: Vec<&Node> = [root.get("metadata"), template_metadata]
            .into_iter()
            .flatten()
            .filter_map(|metadata| metadata.get("annotations"))
            .filter(|annotations| annotations.is_mapping())
            .collect();
        let default_container = annotations
            .iter()
            .rev()
            .find_map(|a| a.get(DEFAULT_CONTAINER_ANNOTATION).and_then(Node::as_str));

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
            containers.push(self.container(node, role));
        }
        for node in self.container_list(spec, "initContainers") {
            let role = if node.get("restartPolicy").and_then(Node::as_str) == Some("Always") {
                ContainerRole::NativeSidecar
            } else {
                ContainerRole::Init
            };
            containers.push(self.container(node, role));
        }
        for (index, container) in containers.iter_mut().enumerate() {
            container.index = index;
        }
        let resources = self.resources(spec);
        Some(Pod {
            source: object.source,
            object: object.object.clone(),
            template: object.template,
            spec,
            annotations,
            containers,
            resources,
        })
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

    fn container<'a>(&mut self, node: &'a Node, role: ContainerRole) -> Container<'a> {
        let name = node.get("name").and_then(Node::as_str).unwrap_or("<unnamed>").to_owned();
        Container { name, node, role, resources: self.resources(node), index: 0 }
    }

    fn resources<'a>(&mut self, owner: &'a Node) -> Resources<'a> {
        let mut resources = Resources { key: owner.key_node("resources"), ..Default::default() };
        let Some(node) = owner.get("resources").filter(|n| !n.is_null()) else {
            return resources;
        };
        if !node.is_mapping() {
            self.error(node, format!("`resources` must be a mapping, found {}", node.type_name()));
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
                    format!(
                        "`resources.{section}` must be a mapping, found {}",
                        values.type_name()
                    ),
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
                            "`resources.{section}.memory` must be a quantity such as 512Mi, found {}",
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
