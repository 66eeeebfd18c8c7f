//! The validated scenario the runner consumes.
//!
//! Everything here was checked by the loader: files exist and parse, templates resolve, names
//! refer to things that exist, shares form an [`Expectation`], statistical settings form a
//! [`StepPolicy`]. Fields are private and there are no public constructors, so a value in hand
//! is a valid one; enums carry exactly the data each case needs (a rejection has a message to
//! match and nothing to send; traffic has a request and an expectation).
//!
//! How the runner uses it, per scenario:
//! 1. [`Scenario::steps_for`] with the Istio version under test: skip the scenario, or get the
//!    steps to run, each with what to expect on that version.
//! 2. [`Scenario::bindings`] with a fresh [`RunId`]: the real namespace names; create each
//!    [`Namespace`] with its labels.
//! 3. Run [`Scenario::setup`] in order (apply/delete/patch/wait, each with its timeout); a
//!    failure there is a run error, not a scenario failure.
//! 4. For each [`StepPlan::Run`]: perform the step's [`Change`] (if any), then if
//!    [`Expected::Rejected`], check the admission error's message and move on; else wait for
//!    [`Step::waits`] and for convergence, then, if [`Expected::Traffic`], send the request in
//!    batches, classify each response with [`Scenario::outcomes`], and decide with the step's
//!    [`Tuning`] against the expectation.
//! 5. Delete the namespaces.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::stats::{AlphaRequest, DesignKind, Expectation, StatsError, StepPolicy};

use super::outcome::{Outcomes, TextMatch};
use super::template::{Bindings, Template, UnboundAlias};
use super::version::{IstioVersion, VersionReq};

/// A namespace as the scenario names it (`sample`). Its real name is `<alias>-<run id>`, so
/// runs never collide and leftovers are recognisable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NsAlias(pub(crate) String);

impl NsAlias {
    /// The alias as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The real namespace name for `run`.
    pub fn real_name(&self, run: &RunId) -> String {
        format!("{}-{}", self.0, run.0)
    }
}

/// The longest alias: with `-` and an 8-character run id it still fits a 63-character name.
pub(crate) const MAX_ALIAS_LEN: usize = 63 - 1 - RunId::MAX_LEN;

/// The suffix of one scenario run's namespaces (`${run.id}`): 1 to 8 lower-case letters and
/// digits. One per scenario run, not per harness invocation, so scenarios can run in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunId(String);

/// A run id that is not 1-8 lower-case letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run id {0:?} must be 1 to 8 lower-case letters and digits")]
pub struct InvalidRunId(pub String);

impl RunId {
    /// The longest run id.
    pub const MAX_LEN: usize = 8;

    /// A run id chosen by the caller (tests, or reusing a run's namespaces).
    pub fn new(id: &str) -> Result<Self, InvalidRunId> {
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(RunId(id.to_string()))
        } else {
            Err(InvalidRunId(id.to_string()))
        }
    }

    /// Six random letters and digits.
    pub fn random() -> Self {
        use rand::Rng;
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::rng();
        let id = (0..6)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        RunId(id)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A namespace the runner creates before setup and deletes afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    pub(crate) alias: NsAlias,
    pub(crate) labels: Vec<(String, String)>,
}

impl Namespace {
    /// The alias manifests use (`${ns.<alias>}`).
    pub fn alias(&self) -> &NsAlias {
        &self.alias
    }

    /// Labels to set at creation, e.g. `istio-injection: enabled`.
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }
}

/// One object of a manifest file, as written (its name may still contain `${...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) namespace: Option<NsAlias>,
}

impl ObjectRef {
    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }
    /// `kind`.
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// `metadata.name` as written.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The scenario namespace given by `metadata.namespace: ${ns.<alias>}`; `None` when the
    /// object has no namespace in the file (it goes to the action's namespace, or is
    /// cluster-scoped).
    pub fn namespace(&self) -> Option<&NsAlias> {
        self.namespace.as_ref()
    }
}

/// A manifest file: one or more YAML documents, templated.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub(crate) path: PathBuf,
    pub(crate) template: Template,
    pub(crate) objects: Vec<ObjectRef>,
}

impl Manifest {
    /// The file (resolved against the scenario's directory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The objects the file holds, in order.
    pub fn objects(&self) -> &[ObjectRef] {
        &self.objects
    }

    /// The file's text with every `${...}` resolved: what to apply (or delete). Line numbers
    /// are those of the file.
    pub fn render(&self, bindings: &Bindings) -> Result<String, UnboundAlias> {
        self.template.render(bindings)
    }
}

/// An object named the way `kubectl` names it: `<resource>[.<group>]/<name>`, e.g.
/// `gateways.gateway.networking.k8s.io/example-gateway` or `deployment/sleep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceName {
    pub(crate) resource: String,
    pub(crate) group: String,
    pub(crate) name: String,
}

impl ResourceName {
    /// The resource (plural, singular or kind, lower-case), as written.
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The API group; empty for the core group.
    pub fn group(&self) -> &str {
        &self.group
    }
    /// The object's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Display for ResourceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}/{}", self.resource, self.name)
        } else {
            write!(f, "{}.{}/{}", self.resource, self.group, self.name)
        }
    }
}

/// How a patch body is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// JSON merge patch (RFC 7386): `null` deletes a key.
    Merge,
    /// JSON patch (RFC 6902): a list of operations.
    Json,
    /// Kubernetes strategic merge patch (built-in kinds only).
    Strategic,
}

/// A patch of one existing object; the body is a YAML or JSON file, templated.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub(crate) target: ResourceName,
    pub(crate) kind: PatchKind,
    pub(crate) body: Manifest,
}

impl Patch {
    /// The object to patch (in the action's namespace).
    pub fn target(&self) -> &ResourceName {
        &self.target
    }
    /// Merge, JSON or strategic.
    pub fn kind(&self) -> PatchKind {
        self.kind
    }
    /// The patch body file; render it, then convert YAML to JSON before sending.
    pub fn body(&self) -> &Manifest {
        &self.body
    }
}

/// A change to the cluster. The runner waits until it is in effect (resources reconciled,
/// proxies synced) before any request of the step counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Server-side apply every object of the files, in order.
    Apply(Vec<Manifest>),
    /// Delete every object of the files (which an earlier action applied), in reverse order.
    Delete(Vec<Manifest>),
    /// Patch one object.
    Patch(Patch),
}

/// Which Deployments a rollout wait covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Every Deployment in the namespace.
    All,
    /// One Deployment.
    Deployment(String),
}

/// A condition to wait for, like `kubectl rollout status` / `kubectl wait --for=condition=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// Deployments rolled out and available.
    Rollout(Rollout),
    /// A status condition of an object is `True` (for its current generation).
    Condition {
        /// The object.
        target: ResourceName,
        /// The condition type, e.g. `Programmed`.
        condition: String,
    },
}

/// What a setup entry does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Apply, delete or patch.
    Change(Change),
    /// Wait for a condition.
    Wait(Wait),
}

/// One setup entry: an action, the namespace it works in, and how long it may take.
#[derive(Debug, Clone, PartialEq)]
pub struct SetupStep {
    pub(crate) action: Action,
    pub(crate) namespace: Option<NsAlias>,
    pub(crate) timeout: Duration,
    pub(crate) line: u32,
}

impl SetupStep {
    /// The action.
    pub fn action(&self) -> &Action {
        &self.action
    }
    /// The namespace for objects without one, and for waits.
    pub fn namespace(&self) -> Option<&NsAlias> {
        self.namespace.as_ref()
    }
    /// The most the action may take before the run is abandoned.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// The line of scenario.yaml it was written on (for error messages).
    pub fn line(&self) -> u32 {
        self.line
    }
}

/// A workload to exec into: `<ns-alias>/deployment/<name>` or `<ns-alias>/pod/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRef {
    pub(crate) namespace: NsAlias,
    pub(crate) kind: WorkloadKind,
    pub(crate) name: String,
}

impl PodRef {
    /// The namespace alias.
    pub fn namespace(&self) -> &NsAlias {
        &self.namespace
    }
    /// Deployment (any ready pod of it) or a named pod.
    pub fn kind(&self) -> WorkloadKind {
        self.kind
    }
    /// The Deployment's or pod's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What a [`PodRef`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A ready pod of this Deployment.
    Deployment,
    /// This pod.
    Pod,
}

/// A Gateway API `Gateway` whose generated ingress deployment receives the requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRef {
    pub(crate) namespace: NsAlias,
    pub(crate) name: String,
}

impl GatewayRef {
    /// The namespace alias.
    pub fn namespace(&self) -> &NsAlias {
        &self.namespace
    }
    /// The Gateway's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Where requests come from and go to.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Mesh traffic: exec into the pod and run curl there (through its sidecar), with an argv
    /// vector and the per-request configuration on stdin; no shell.
    FromPod {
        /// The client workload.
        pod: PodRef,
        /// The container running curl; `None` for the pod's default container.
        container: Option<String>,
        /// `http://` or `https://` URL.
        url: Template,
    },
    /// Ingress traffic: to the Service of the Gateway's generated deployment (port-forwarded
    /// on kind), with this `Host` header and path.
    ViaGateway {
        /// The Gateway.
        gateway: GatewayRef,
        /// The listener port.
        port: u16,
        /// The `Host` header.
        host: Template,
        /// The path, starting with `/`.
        path: Template,
    },
}

/// HTTP methods a request may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET (the default).
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
    /// PATCH.
    Patch,
    /// OPTIONS.
    Options,
}

impl Method {
    /// The method's name, as sent.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
        }
    }
}

/// One kind of request, sent `batch_size` at a time. No value can contain a line break or a
/// control character (checked at load; bindings add none), so it is safe in curl's stdin
/// configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub(crate) name: Option<String>,
    pub(crate) route: Route,
    pub(crate) method: Method,
    pub(crate) headers: Vec<(String, Template)>,
}

impl Request {
    /// The name under `requests:`, or `None` when written inline in the step.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// Source and destination.
    pub fn route(&self) -> &Route {
        &self.route
    }
    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }
    /// Extra request headers (names as written; values templated).
    pub fn headers(&self) -> &[(String, Template)] {
        &self.headers
    }
}

/// A step's statistical settings: scenario defaults overridden field by field by the step.
/// All values are valid for a [`StepPolicy`]; only the alpha from the budget is missing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    pub(crate) alpha: Option<f64>,
    pub(crate) min_deviation: f64,
    pub(crate) power: f64,
    pub(crate) batch_size: u64,
    pub(crate) max_requests: u64,
    pub(crate) design: DesignKind,
}

impl Tuning {
    /// The alpha the author set, if any (else the step takes its share of the run budget).
    pub fn alpha(&self) -> Option<f64> {
        self.alpha
    }

    /// Requests per exec.
    pub fn batch_size(&self) -> u64 {
        self.batch_size
    }

    /// The step's policy with `alpha` (the author's override, or the budget's share).
    pub fn policy(&self, alpha: f64) -> Result<StepPolicy, StatsError> {
        Ok(StepPolicy::new(alpha)?
            .with_max_requests(self.max_requests)?
            .with_batch_size(self.batch_size)?
            .with_min_deviation(self.min_deviation)?
            .with_power(self.power)?
            .with_design(self.design))
    }
}

/// How long each phase of a step may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Applying, deleting or patching (the API call, admission included).
    pub apply: Duration,
    /// Each `wait` condition.
    pub wait: Duration,
    /// Until the change is in effect in the proxies that serve the request.
    pub converge: Duration,
    /// One batch of requests.
    pub send: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            apply: Duration::from_secs(30),
            wait: Duration::from_secs(180),
            converge: Duration::from_secs(60),
            send: Duration::from_secs(120),
        }
    }
}

/// What must happen on one range of Istio versions.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// Admission rejects the change (e.g. Istio's validating webhook); its message must
    /// match. Nothing is sent, and the cluster keeps its previous state.
    Rejected(TextMatch),
    /// The change is accepted; the step sends nothing.
    Applied,
    /// The change (if any) is accepted; then `request`'s responses must follow `expectation`.
    Traffic {
        /// What to send.
        request: Request,
        /// The expected share of each outcome.
        expectation: Expectation,
    },
}

impl Expected {
    /// What this step asks of the run's false-failure budget.
    pub fn alpha_request(&self, tuning: &Tuning) -> AlphaRequest {
        match self {
            Expected::Traffic { expectation, .. } if !expectation.is_deterministic() => tuning
                .alpha
                .map_or(AlphaRequest::Share, AlphaRequest::Override),
            _ => AlphaRequest::Deterministic,
        }
    }
}

/// One version case of a step. A step's cases never overlap and cover every version the step
/// runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub(crate) when: VersionReq,
    pub(crate) expected: Expected,
}

impl Case {
    /// The versions this case holds for.
    pub fn when(&self) -> &VersionReq {
        &self.when
    }
    /// What must happen.
    pub fn expected(&self) -> &Expected {
        &self.expected
    }
}

/// One step: optionally change the cluster, then check what the Istio version under test
/// should do (a rejection, or the share of each outcome among responses).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) line: u32,
    pub(crate) when: VersionReq,
    pub(crate) namespace: Option<NsAlias>,
    pub(crate) change: Option<Change>,
    pub(crate) waits: Vec<Wait>,
    pub(crate) cases: Vec<Case>,
    pub(crate) tuning: Tuning,
    pub(crate) timeouts: Timeouts,
}

impl Step {
    /// Unique within the scenario.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What the step shows, if the author said.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    /// The line of scenario.yaml the step starts on.
    pub fn line(&self) -> u32 {
        self.line
    }
    /// The versions the step runs on (the scenario's range already applied).
    pub fn when(&self) -> &VersionReq {
        &self.when
    }
    /// The namespace for objects without one, and for waits.
    pub fn namespace(&self) -> Option<&NsAlias> {
        self.namespace.as_ref()
    }
    /// The change to make first, if any.
    pub fn change(&self) -> Option<&Change> {
        self.change.as_ref()
    }
    /// Conditions to wait for after the change, before sending.
    pub fn waits(&self) -> &[Wait] {
        &self.waits
    }
    /// The version cases.
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }
    /// Statistical settings.
    pub fn tuning(&self) -> &Tuning {
        &self.tuning
    }
    /// Time limits.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// What must happen on `version`, or `None` if the step does not run there.
    pub fn expected_for(&self, version: &IstioVersion) -> Option<&Expected> {
        if !self.when.matches(version) {
            return None;
        }
        self.cases
            .iter()
            .find(|c| c.when.matches(version))
            .map(|c| &c.expected)
    }
}

/// A step as it runs on one Istio version.
#[derive(Debug, Clone, PartialEq)]
pub enum StepPlan<'a> {
    /// Run the step and check `expected`.
    Run {
        /// The step.
        step: &'a Step,
        /// What must happen on this version.
        expected: &'a Expected,
    },
    /// The step's `when` excludes this version; report it as skipped.
    Skip {
        /// The step.
        step: &'a Step,
        /// Why, for the report.
        reason: String,
    },
}

/// A scenario as it runs on one Istio version.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioPlan<'a> {
    /// Run these steps in order.
    Run(Vec<StepPlan<'a>>),
    /// The scenario's `when` excludes this version.
    Skip {
        /// Why, for the report.
        reason: String,
    },
}

/// A loaded, validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) name_pos: Option<super::diagnostics::Pos>,
    pub(crate) description: String,
    pub(crate) source: String,
    pub(crate) file: PathBuf,
    pub(crate) when: VersionReq,
    pub(crate) concurrent: bool,
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) setup: Vec<SetupStep>,
    pub(crate) outcomes: Outcomes,
    pub(crate) steps: Vec<Step>,
}

impl Scenario {
    /// Unique among the scenarios loaded together.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// What the scenario shows.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Where the behaviour comes from (blog post, issue, Istio source).
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The scenario file.
    pub fn file(&self) -> &Path {
        &self.file
    }
    /// The versions the scenario runs on.
    pub fn when(&self) -> &VersionReq {
        &self.when
    }
    /// Whether the scenario may run while others run on the same cluster (`concurrent:`,
    /// default true). False for scenarios whose objects reach beyond their own namespaces,
    /// such as an Istio `Gateway` whose selector matches gateway pods in every namespace.
    pub fn concurrent(&self) -> bool {
        self.concurrent
    }
    /// Namespaces to create first.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }
    /// Setup actions, in order.
    pub fn setup(&self) -> &[SetupStep] {
        &self.setup
    }
    /// How responses are classified.
    pub fn outcomes(&self) -> &Outcomes {
        &self.outcomes
    }
    /// Every step, for every version.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The steps to run on `version`, each with what to expect there.
    pub fn steps_for(&self, version: &IstioVersion) -> ScenarioPlan<'_> {
        if !self.when.matches(version) {
            return ScenarioPlan::Skip {
                reason: format!("holds for Istio {}, not {version}", self.when),
            };
        }
        let steps = self
            .steps
            .iter()
            .map(|step| match step.expected_for(version) {
                Some(expected) => StepPlan::Run { step, expected },
                None => StepPlan::Skip {
                    step,
                    reason: format!("runs on Istio {}, not {version}", step.when),
                },
            })
            .collect();
        ScenarioPlan::Run(steps)
    }

    /// The values of `${...}` for one run: namespace `<alias>-<run id>` for each alias.
    pub fn bindings(&self, run: &RunId, version: &IstioVersion) -> Bindings {
        let namespaces = self
            .namespaces
            .iter()
            .map(|n| (n.alias.0.clone(), n.alias.real_name(run)))
            .collect();
        Bindings::new(namespaces, run.0.clone(), version.to_string())
    }
}
