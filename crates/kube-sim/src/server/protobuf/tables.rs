//! The schema tables: every message reachable from the kinds in [`KINDS`], with field
//! numbers from the `generated.proto` of each API group and JSON names and omission rules
//! from the Go struct tags of the matching `types.go` (see [`super::schema`]).
//!
//! Transcribed mechanically from kubernetes/api at 10b39a39bcee995dfe7cd5e8e7b922be5e46f1e2 and
//! kubernetes/apimachinery at eed236ceee2c19c2753a3d93ac0631dc20750454; each section below names its source.
//! Field numbers are never reused upstream, so this newest table also decodes what older
//! clients (kubectl 1.27+) send; a field number a table lacks is skipped as unknown. Left
//! out on purpose: the alpha batch/v1 `JobSchedulingConfiguration` fields typed from
//! scheduling/v1alpha3.
//!
//! # Why hand-transcribed, and why only these kinds
//!
//! [`KINDS`] holds what kubectl >= 1.32 sends as protobuf: the bodies of its typed clients
//! (`create <kind>`, `create token`, `auth can-i`/`whoami`, `autoscale`, which sends
//! autoscaling/v1, `debug`, and `drain`'s Eviction or DeleteOptions). Other commands send JSON;
//! `kubectl scale` PUTs a JSON-encoded Scale (client-go scale client, `LegacyCodec`), and
//! kube-rs speaks JSON only. ReplicaSet, StatefulSet, DaemonSet, Scale and autoscaling/v2 were
//! dropped for that reason: a body of theirs gets 415, so a client may retry as JSON.
//!
//! Not generated, because no registry this project can use carries the Go facts: the
//! `k8s-pb` crate (prost types, 0.9.0) has the field numbers and wire types but no serde, only
//! snake_case names (`volumeID` becomes `volume_id`), and nothing of `omitempty`, pointers or
//! `json:",inline"`; `k8s-openapi` has the JSON names and required-ness but neither field
//! numbers nor pointers; Debian ships no k8s.io/api sources. Telling a Go pointer from an
//! `omitempty` value (`field` versus `omit_zero` below, 241 fields) needs `types.go` itself.
//! What a crate can check is checked: `tests/k8s_pb_check.rs` round-trips every kind through
//! k8s-pb, so each field number, wire type and `[]byte`-ness here matches kube-rs's generated
//! bindings (fields newer than k8s-pb's Kubernetes 1.34 are listed there). The JSON names and
//! omission rules are checked only by the kubectl and Go-encoded vectors.
//!
//! Special types (`Time`, `Quantity`, `IntOrString`, `FieldsV1`, `ExtraValue`) are not
//! tables: their Go JSON is hand-written, see [`super::message`].
//!
//! `omitzero`, which upstream added to `ObjectMeta.creationTimestamp` after the kubectl
//! 1.27-1.33 era, is ignored on purpose: a zero creationTimestamp renders `null`, exactly
//! as those kubectl versions send it when they speak JSON.

use super::schema::{
    Message, Ty, field, field_or_null, inline, list, list_or_null, map, omit_zero,
};

// ---- k8s.io.api.core.v1: field numbers from kubernetes/api/core/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/core/v1/types.go.

pub(super) static CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE: Message = Message {
    name: "AWSElasticBlockStoreVolumeSource",
    fields: &[
        field(1, "volumeID", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        omit_zero(3, "partition", Ty::Int32),
        omit_zero(4, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_AFFINITY: Message = Message {
    name: "Affinity",
    fields: &[
        field(1, "nodeAffinity", Ty::Msg(&CORE_V1_NODE_AFFINITY)),
        field(2, "podAffinity", Ty::Msg(&CORE_V1_POD_AFFINITY)),
        field(3, "podAntiAffinity", Ty::Msg(&CORE_V1_POD_ANTI_AFFINITY)),
    ],
};

pub(super) static CORE_V1_APP_ARMOR_PROFILE: Message = Message {
    name: "AppArmorProfile",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "localhostProfile", Ty::String),
    ],
};

pub(super) static CORE_V1_AZURE_DISK_VOLUME_SOURCE: Message = Message {
    name: "AzureDiskVolumeSource",
    fields: &[
        field(1, "diskName", Ty::String),
        field(2, "diskURI", Ty::String),
        field(3, "cachingMode", Ty::String),
        field(4, "fsType", Ty::String),
        field(5, "readOnly", Ty::Bool),
        field(6, "kind", Ty::String),
    ],
};

pub(super) static CORE_V1_AZURE_FILE_VOLUME_SOURCE: Message = Message {
    name: "AzureFileVolumeSource",
    fields: &[
        field(1, "secretName", Ty::String),
        field(2, "shareName", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CSI_VOLUME_SOURCE: Message = Message {
    name: "CSIVolumeSource",
    fields: &[
        field(1, "driver", Ty::String),
        field(2, "readOnly", Ty::Bool),
        field(3, "fsType", Ty::String),
        map(4, "volumeAttributes", Ty::String),
        field(
            5,
            "nodePublishSecretRef",
            Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE),
        ),
    ],
};

pub(super) static CORE_V1_CAPABILITIES: Message = Message {
    name: "Capabilities",
    fields: &[list(1, "add", Ty::String), list(2, "drop", Ty::String)],
};

pub(super) static CORE_V1_CEPH_FS_VOLUME_SOURCE: Message = Message {
    name: "CephFSVolumeSource",
    fields: &[
        list_or_null(1, "monitors", Ty::String),
        omit_zero(2, "path", Ty::String),
        omit_zero(3, "user", Ty::String),
        omit_zero(4, "secretFile", Ty::String),
        field(5, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
        omit_zero(6, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CINDER_VOLUME_SOURCE: Message = Message {
    name: "CinderVolumeSource",
    fields: &[
        field(1, "volumeID", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
        field(4, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
    ],
};

pub(super) static CORE_V1_CLIENT_IP_CONFIG: Message = Message {
    name: "ClientIPConfig",
    fields: &[field(1, "timeoutSeconds", Ty::Int32)],
};

pub(super) static CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION: Message = Message {
    name: "ClusterTrustBundleProjection",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "signerName", Ty::String),
        field(3, "labelSelector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(4, "path", Ty::String),
        field(5, "optional", Ty::Bool),
        field(6, "user", Ty::Int64),
    ],
};

pub(super) static CORE_V1_CONFIG_MAP: Message = Message {
    name: "ConfigMap",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        map(2, "data", Ty::String),
        map(3, "binaryData", Ty::Bytes),
        field(4, "immutable", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CONFIG_MAP_ENV_SOURCE: Message = Message {
    name: "ConfigMapEnvSource",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        field(2, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CONFIG_MAP_KEY_SELECTOR: Message = Message {
    name: "ConfigMapKeySelector",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        field(2, "key", Ty::String),
        field(3, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CONFIG_MAP_PROJECTION: Message = Message {
    name: "ConfigMapProjection",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        list(2, "items", Ty::Msg(&CORE_V1_KEY_TO_PATH)),
        field(4, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_CONFIG_MAP_VOLUME_SOURCE: Message = Message {
    name: "ConfigMapVolumeSource",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        list(2, "items", Ty::Msg(&CORE_V1_KEY_TO_PATH)),
        field(3, "defaultMode", Ty::Int32),
        field(4, "optional", Ty::Bool),
        field(5, "defaultUser", Ty::Int64),
    ],
};

pub(super) static CORE_V1_CONTAINER: Message = Message {
    name: "Container",
    fields: &[
        field(1, "name", Ty::String),
        omit_zero(2, "image", Ty::String),
        list(3, "command", Ty::String),
        list(4, "args", Ty::String),
        omit_zero(5, "workingDir", Ty::String),
        list(6, "ports", Ty::Msg(&CORE_V1_CONTAINER_PORT)),
        list(7, "env", Ty::Msg(&CORE_V1_ENV_VAR)),
        field(8, "resources", Ty::Msg(&CORE_V1_RESOURCE_REQUIREMENTS)),
        list(9, "volumeMounts", Ty::Msg(&CORE_V1_VOLUME_MOUNT)),
        field(10, "livenessProbe", Ty::Msg(&CORE_V1_PROBE)),
        field(11, "readinessProbe", Ty::Msg(&CORE_V1_PROBE)),
        field(12, "lifecycle", Ty::Msg(&CORE_V1_LIFECYCLE)),
        omit_zero(13, "terminationMessagePath", Ty::String),
        omit_zero(14, "imagePullPolicy", Ty::String),
        field(15, "securityContext", Ty::Msg(&CORE_V1_SECURITY_CONTEXT)),
        omit_zero(16, "stdin", Ty::Bool),
        omit_zero(17, "stdinOnce", Ty::Bool),
        omit_zero(18, "tty", Ty::Bool),
        list(19, "envFrom", Ty::Msg(&CORE_V1_ENV_FROM_SOURCE)),
        omit_zero(20, "terminationMessagePolicy", Ty::String),
        list(21, "volumeDevices", Ty::Msg(&CORE_V1_VOLUME_DEVICE)),
        field(22, "startupProbe", Ty::Msg(&CORE_V1_PROBE)),
        list(
            23,
            "resizePolicy",
            Ty::Msg(&CORE_V1_CONTAINER_RESIZE_POLICY),
        ),
        field(24, "restartPolicy", Ty::String),
        list(
            25,
            "restartPolicyRules",
            Ty::Msg(&CORE_V1_CONTAINER_RESTART_RULE),
        ),
    ],
};

pub(super) static CORE_V1_CONTAINER_EXTENDED_RESOURCE_REQUEST: Message = Message {
    name: "ContainerExtendedResourceRequest",
    fields: &[
        field(1, "containerName", Ty::String),
        field(2, "resourceName", Ty::String),
        field(3, "requestName", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_PORT: Message = Message {
    name: "ContainerPort",
    fields: &[
        omit_zero(1, "name", Ty::String),
        omit_zero(2, "hostPort", Ty::Int32),
        field(3, "containerPort", Ty::Int32),
        omit_zero(4, "protocol", Ty::String),
        omit_zero(5, "hostIP", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_RESIZE_POLICY: Message = Message {
    name: "ContainerResizePolicy",
    fields: &[
        field(1, "resourceName", Ty::String),
        field(2, "restartPolicy", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_RESTART_RULE: Message = Message {
    name: "ContainerRestartRule",
    fields: &[
        omit_zero(1, "action", Ty::String),
        field(
            2,
            "exitCodes",
            Ty::Msg(&CORE_V1_CONTAINER_RESTART_RULE_ON_EXIT_CODES),
        ),
    ],
};

pub(super) static CORE_V1_CONTAINER_RESTART_RULE_ON_EXIT_CODES: Message = Message {
    name: "ContainerRestartRuleOnExitCodes",
    fields: &[
        omit_zero(1, "operator", Ty::String),
        list(2, "values", Ty::Int32),
    ],
};

pub(super) static CORE_V1_CONTAINER_STATE: Message = Message {
    name: "ContainerState",
    fields: &[
        field(1, "waiting", Ty::Msg(&CORE_V1_CONTAINER_STATE_WAITING)),
        field(2, "running", Ty::Msg(&CORE_V1_CONTAINER_STATE_RUNNING)),
        field(
            3,
            "terminated",
            Ty::Msg(&CORE_V1_CONTAINER_STATE_TERMINATED),
        ),
    ],
};

pub(super) static CORE_V1_CONTAINER_STATE_RUNNING: Message = Message {
    name: "ContainerStateRunning",
    fields: &[field(1, "startedAt", Ty::Time)],
};

pub(super) static CORE_V1_CONTAINER_STATE_TERMINATED: Message = Message {
    name: "ContainerStateTerminated",
    fields: &[
        field(1, "exitCode", Ty::Int32),
        omit_zero(2, "signal", Ty::Int32),
        omit_zero(3, "reason", Ty::String),
        omit_zero(4, "message", Ty::String),
        field(5, "startedAt", Ty::Time),
        field(6, "finishedAt", Ty::Time),
        omit_zero(7, "containerID", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_STATE_WAITING: Message = Message {
    name: "ContainerStateWaiting",
    fields: &[
        omit_zero(1, "reason", Ty::String),
        omit_zero(2, "message", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_STATUS: Message = Message {
    name: "ContainerStatus",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "state", Ty::Msg(&CORE_V1_CONTAINER_STATE)),
        field(3, "lastState", Ty::Msg(&CORE_V1_CONTAINER_STATE)),
        field(4, "ready", Ty::Bool),
        field(5, "restartCount", Ty::Int32),
        field(6, "image", Ty::String),
        field(7, "imageID", Ty::String),
        omit_zero(8, "containerID", Ty::String),
        field(9, "started", Ty::Bool),
        map(10, "allocatedResources", Ty::Quantity),
        field(11, "resources", Ty::Msg(&CORE_V1_RESOURCE_REQUIREMENTS)),
        list(12, "volumeMounts", Ty::Msg(&CORE_V1_VOLUME_MOUNT_STATUS)),
        field(13, "user", Ty::Msg(&CORE_V1_CONTAINER_USER)),
        list(
            14,
            "allocatedResourcesStatus",
            Ty::Msg(&CORE_V1_RESOURCE_STATUS),
        ),
        field(15, "stopSignal", Ty::String),
    ],
};

pub(super) static CORE_V1_CONTAINER_USER: Message = Message {
    name: "ContainerUser",
    fields: &[field(1, "linux", Ty::Msg(&CORE_V1_LINUX_CONTAINER_USER))],
};

pub(super) static CORE_V1_DOWNWARD_API_PROJECTION: Message = Message {
    name: "DownwardAPIProjection",
    fields: &[list(1, "items", Ty::Msg(&CORE_V1_DOWNWARD_API_VOLUME_FILE))],
};

pub(super) static CORE_V1_DOWNWARD_API_VOLUME_FILE: Message = Message {
    name: "DownwardAPIVolumeFile",
    fields: &[
        field(1, "path", Ty::String),
        field(2, "fieldRef", Ty::Msg(&CORE_V1_OBJECT_FIELD_SELECTOR)),
        field(
            3,
            "resourceFieldRef",
            Ty::Msg(&CORE_V1_RESOURCE_FIELD_SELECTOR),
        ),
        field(4, "mode", Ty::Int32),
        field(5, "user", Ty::Int64),
    ],
};

pub(super) static CORE_V1_DOWNWARD_API_VOLUME_SOURCE: Message = Message {
    name: "DownwardAPIVolumeSource",
    fields: &[
        list(1, "items", Ty::Msg(&CORE_V1_DOWNWARD_API_VOLUME_FILE)),
        field(2, "defaultMode", Ty::Int32),
        field(3, "defaultUser", Ty::Int64),
    ],
};

pub(super) static CORE_V1_EMPTY_DIR_VOLUME_SOURCE: Message = Message {
    name: "EmptyDirVolumeSource",
    fields: &[
        omit_zero(1, "medium", Ty::String),
        field(2, "sizeLimit", Ty::Quantity),
        field(3, "mode", Ty::Int32),
    ],
};

pub(super) static CORE_V1_ENV_FROM_SOURCE: Message = Message {
    name: "EnvFromSource",
    fields: &[
        omit_zero(1, "prefix", Ty::String),
        field(2, "configMapRef", Ty::Msg(&CORE_V1_CONFIG_MAP_ENV_SOURCE)),
        field(3, "secretRef", Ty::Msg(&CORE_V1_SECRET_ENV_SOURCE)),
    ],
};

pub(super) static CORE_V1_ENV_VAR: Message = Message {
    name: "EnvVar",
    fields: &[
        field(1, "name", Ty::String),
        omit_zero(2, "value", Ty::String),
        field(3, "valueFrom", Ty::Msg(&CORE_V1_ENV_VAR_SOURCE)),
    ],
};

pub(super) static CORE_V1_ENV_VAR_SOURCE: Message = Message {
    name: "EnvVarSource",
    fields: &[
        field(1, "fieldRef", Ty::Msg(&CORE_V1_OBJECT_FIELD_SELECTOR)),
        field(
            2,
            "resourceFieldRef",
            Ty::Msg(&CORE_V1_RESOURCE_FIELD_SELECTOR),
        ),
        field(
            3,
            "configMapKeyRef",
            Ty::Msg(&CORE_V1_CONFIG_MAP_KEY_SELECTOR),
        ),
        field(4, "secretKeyRef", Ty::Msg(&CORE_V1_SECRET_KEY_SELECTOR)),
        field(5, "fileKeyRef", Ty::Msg(&CORE_V1_FILE_KEY_SELECTOR)),
    ],
};

pub(super) static CORE_V1_EPHEMERAL_CONTAINER: Message = Message {
    name: "EphemeralContainer",
    fields: &[
        inline(1, &CORE_V1_EPHEMERAL_CONTAINER_COMMON),
        omit_zero(2, "targetContainerName", Ty::String),
    ],
};

pub(super) static CORE_V1_EPHEMERAL_CONTAINER_COMMON: Message = Message {
    name: "EphemeralContainerCommon",
    fields: &[
        field(1, "name", Ty::String),
        omit_zero(2, "image", Ty::String),
        list(3, "command", Ty::String),
        list(4, "args", Ty::String),
        omit_zero(5, "workingDir", Ty::String),
        list(6, "ports", Ty::Msg(&CORE_V1_CONTAINER_PORT)),
        list(7, "env", Ty::Msg(&CORE_V1_ENV_VAR)),
        field(8, "resources", Ty::Msg(&CORE_V1_RESOURCE_REQUIREMENTS)),
        list(9, "volumeMounts", Ty::Msg(&CORE_V1_VOLUME_MOUNT)),
        field(10, "livenessProbe", Ty::Msg(&CORE_V1_PROBE)),
        field(11, "readinessProbe", Ty::Msg(&CORE_V1_PROBE)),
        field(12, "lifecycle", Ty::Msg(&CORE_V1_LIFECYCLE)),
        omit_zero(13, "terminationMessagePath", Ty::String),
        omit_zero(14, "imagePullPolicy", Ty::String),
        field(15, "securityContext", Ty::Msg(&CORE_V1_SECURITY_CONTEXT)),
        omit_zero(16, "stdin", Ty::Bool),
        omit_zero(17, "stdinOnce", Ty::Bool),
        omit_zero(18, "tty", Ty::Bool),
        list(19, "envFrom", Ty::Msg(&CORE_V1_ENV_FROM_SOURCE)),
        omit_zero(20, "terminationMessagePolicy", Ty::String),
        list(21, "volumeDevices", Ty::Msg(&CORE_V1_VOLUME_DEVICE)),
        field(22, "startupProbe", Ty::Msg(&CORE_V1_PROBE)),
        list(
            23,
            "resizePolicy",
            Ty::Msg(&CORE_V1_CONTAINER_RESIZE_POLICY),
        ),
        field(24, "restartPolicy", Ty::String),
        list(
            25,
            "restartPolicyRules",
            Ty::Msg(&CORE_V1_CONTAINER_RESTART_RULE),
        ),
    ],
};

pub(super) static CORE_V1_EPHEMERAL_VOLUME_SOURCE: Message = Message {
    name: "EphemeralVolumeSource",
    fields: &[field(
        1,
        "volumeClaimTemplate",
        Ty::Msg(&CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE),
    )],
};

pub(super) static CORE_V1_EVICTION_RESPONDER: Message = Message {
    name: "EvictionResponder",
    fields: &[
        field(1, "name", Ty::String),
        field_or_null(2, "priority", Ty::Int32),
    ],
};

pub(super) static CORE_V1_EXEC_ACTION: Message = Message {
    name: "ExecAction",
    fields: &[list(1, "command", Ty::String)],
};

pub(super) static CORE_V1_FC_VOLUME_SOURCE: Message = Message {
    name: "FCVolumeSource",
    fields: &[
        list(1, "targetWWNs", Ty::String),
        field(2, "lun", Ty::Int32),
        omit_zero(3, "fsType", Ty::String),
        omit_zero(4, "readOnly", Ty::Bool),
        list(5, "wwids", Ty::String),
    ],
};

pub(super) static CORE_V1_FILE_KEY_SELECTOR: Message = Message {
    name: "FileKeySelector",
    fields: &[
        field(1, "volumeName", Ty::String),
        field(2, "path", Ty::String),
        field(3, "key", Ty::String),
        field(4, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_FLEX_VOLUME_SOURCE: Message = Message {
    name: "FlexVolumeSource",
    fields: &[
        field(1, "driver", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        field(3, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
        omit_zero(4, "readOnly", Ty::Bool),
        map(5, "options", Ty::String),
    ],
};

pub(super) static CORE_V1_FLOCKER_VOLUME_SOURCE: Message = Message {
    name: "FlockerVolumeSource",
    fields: &[
        omit_zero(1, "datasetName", Ty::String),
        omit_zero(2, "datasetUUID", Ty::String),
    ],
};

pub(super) static CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "GCEPersistentDiskVolumeSource",
    fields: &[
        field(1, "pdName", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        omit_zero(3, "partition", Ty::Int32),
        omit_zero(4, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_GRPC_ACTION: Message = Message {
    name: "GRPCAction",
    fields: &[
        field(1, "port", Ty::Int32),
        field_or_null(2, "service", Ty::String),
        field(3, "mode", Ty::String),
    ],
};

pub(super) static CORE_V1_GIT_REPO_VOLUME_SOURCE: Message = Message {
    name: "GitRepoVolumeSource",
    fields: &[
        field(1, "repository", Ty::String),
        omit_zero(2, "revision", Ty::String),
        omit_zero(3, "directory", Ty::String),
    ],
};

pub(super) static CORE_V1_GLUSTERFS_VOLUME_SOURCE: Message = Message {
    name: "GlusterfsVolumeSource",
    fields: &[
        field(1, "endpoints", Ty::String),
        field(2, "path", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_HTTP_GET_ACTION: Message = Message {
    name: "HTTPGetAction",
    fields: &[
        omit_zero(1, "path", Ty::String),
        field(2, "port", Ty::IntOrString),
        omit_zero(3, "host", Ty::String),
        omit_zero(4, "scheme", Ty::String),
        list(5, "httpHeaders", Ty::Msg(&CORE_V1_HTTP_HEADER)),
        field(6, "protocol", Ty::String),
    ],
};

pub(super) static CORE_V1_HTTP_HEADER: Message = Message {
    name: "HTTPHeader",
    fields: &[field(1, "name", Ty::String), field(2, "value", Ty::String)],
};

pub(super) static CORE_V1_HOST_ALIAS: Message = Message {
    name: "HostAlias",
    fields: &[field(1, "ip", Ty::String), list(2, "hostnames", Ty::String)],
};

pub(super) static CORE_V1_HOST_IP: Message = Message {
    name: "HostIP",
    fields: &[field(1, "ip", Ty::String)],
};

pub(super) static CORE_V1_HOST_PATH_VOLUME_SOURCE: Message = Message {
    name: "HostPathVolumeSource",
    fields: &[field(1, "path", Ty::String), field(2, "type", Ty::String)],
};

pub(super) static CORE_V1_ISCSI_VOLUME_SOURCE: Message = Message {
    name: "ISCSIVolumeSource",
    fields: &[
        field(1, "targetPortal", Ty::String),
        field(2, "iqn", Ty::String),
        field(3, "lun", Ty::Int32),
        omit_zero(4, "iscsiInterface", Ty::String),
        omit_zero(5, "fsType", Ty::String),
        omit_zero(6, "readOnly", Ty::Bool),
        list(7, "portals", Ty::String),
        omit_zero(8, "chapAuthDiscovery", Ty::Bool),
        field(10, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
        omit_zero(11, "chapAuthSession", Ty::Bool),
        field(12, "initiatorName", Ty::String),
    ],
};

pub(super) static CORE_V1_IMAGE_VOLUME_SOURCE: Message = Message {
    name: "ImageVolumeSource",
    fields: &[
        omit_zero(1, "reference", Ty::String),
        omit_zero(2, "pullPolicy", Ty::String),
    ],
};

pub(super) static CORE_V1_IMAGE_VOLUME_STATUS: Message = Message {
    name: "ImageVolumeStatus",
    fields: &[omit_zero(1, "imageRef", Ty::String)],
};

pub(super) static CORE_V1_KEY_TO_PATH: Message = Message {
    name: "KeyToPath",
    fields: &[
        field(1, "key", Ty::String),
        field(2, "path", Ty::String),
        field(3, "mode", Ty::Int32),
        field(4, "user", Ty::Int64),
    ],
};

pub(super) static CORE_V1_LIFECYCLE: Message = Message {
    name: "Lifecycle",
    fields: &[
        field(1, "postStart", Ty::Msg(&CORE_V1_LIFECYCLE_HANDLER)),
        field(2, "preStop", Ty::Msg(&CORE_V1_LIFECYCLE_HANDLER)),
        field(3, "stopSignal", Ty::String),
    ],
};

pub(super) static CORE_V1_LIFECYCLE_HANDLER: Message = Message {
    name: "LifecycleHandler",
    fields: &[
        field(1, "exec", Ty::Msg(&CORE_V1_EXEC_ACTION)),
        field(2, "httpGet", Ty::Msg(&CORE_V1_HTTP_GET_ACTION)),
        field(3, "tcpSocket", Ty::Msg(&CORE_V1_TCP_SOCKET_ACTION)),
        field(4, "sleep", Ty::Msg(&CORE_V1_SLEEP_ACTION)),
    ],
};

pub(super) static CORE_V1_LINUX_CONTAINER_USER: Message = Message {
    name: "LinuxContainerUser",
    fields: &[
        field(1, "uid", Ty::Int64),
        field(2, "gid", Ty::Int64),
        list(3, "supplementalGroups", Ty::Int64),
    ],
};

pub(super) static CORE_V1_LOAD_BALANCER_INGRESS: Message = Message {
    name: "LoadBalancerIngress",
    fields: &[
        omit_zero(1, "ip", Ty::String),
        omit_zero(2, "hostname", Ty::String),
        field(3, "ipMode", Ty::String),
        list(4, "ports", Ty::Msg(&CORE_V1_PORT_STATUS)),
    ],
};

pub(super) static CORE_V1_LOAD_BALANCER_STATUS: Message = Message {
    name: "LoadBalancerStatus",
    fields: &[list(1, "ingress", Ty::Msg(&CORE_V1_LOAD_BALANCER_INGRESS))],
};

pub(super) static CORE_V1_LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "LocalObjectReference",
    fields: &[omit_zero(1, "name", Ty::String)],
};

pub(super) static CORE_V1_NFS_VOLUME_SOURCE: Message = Message {
    name: "NFSVolumeSource",
    fields: &[
        field(1, "server", Ty::String),
        field(2, "path", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_NAMESPACE: Message = Message {
    name: "Namespace",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_NAMESPACE_SPEC)),
        field(3, "status", Ty::Msg(&CORE_V1_NAMESPACE_STATUS)),
    ],
};

pub(super) static CORE_V1_NAMESPACE_CONDITION: Message = Message {
    name: "NamespaceCondition",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "status", Ty::String),
        field(4, "lastTransitionTime", Ty::Time),
        omit_zero(5, "reason", Ty::String),
        omit_zero(6, "message", Ty::String),
    ],
};

pub(super) static CORE_V1_NAMESPACE_SPEC: Message = Message {
    name: "NamespaceSpec",
    fields: &[list(1, "finalizers", Ty::String)],
};

pub(super) static CORE_V1_NAMESPACE_STATUS: Message = Message {
    name: "NamespaceStatus",
    fields: &[
        omit_zero(1, "phase", Ty::String),
        list(2, "conditions", Ty::Msg(&CORE_V1_NAMESPACE_CONDITION)),
    ],
};

pub(super) static CORE_V1_NODE_AFFINITY: Message = Message {
    name: "NodeAffinity",
    fields: &[
        field(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_NODE_SELECTOR),
        ),
        list(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_PREFERRED_SCHEDULING_TERM),
        ),
    ],
};

pub(super) static CORE_V1_NODE_ALLOCATABLE_MAPPED_RESOURCES: Message = Message {
    name: "NodeAllocatableMappedResources",
    fields: &[
        field(1, "name", Ty::String),
        field_or_null(2, "quantity", Ty::Quantity),
    ],
};

pub(super) static CORE_V1_NODE_ALLOCATABLE_OVERHEAD_RESOURCES: Message = Message {
    name: "NodeAllocatableOverheadResources",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "perPod", Ty::Quantity),
        field(3, "perContainer", Ty::Quantity),
    ],
};

pub(super) static CORE_V1_NODE_ALLOCATABLE_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "NodeAllocatableResourceClaimStatus",
    fields: &[
        field(1, "resourceClaimName", Ty::String),
        list(2, "containers", Ty::String),
        list(
            4,
            "mapping",
            Ty::Msg(&CORE_V1_NODE_ALLOCATABLE_MAPPED_RESOURCES),
        ),
        list(
            5,
            "overhead",
            Ty::Msg(&CORE_V1_NODE_ALLOCATABLE_OVERHEAD_RESOURCES),
        ),
    ],
};

pub(super) static CORE_V1_NODE_SELECTOR: Message = Message {
    name: "NodeSelector",
    fields: &[list_or_null(
        1,
        "nodeSelectorTerms",
        Ty::Msg(&CORE_V1_NODE_SELECTOR_TERM),
    )],
};

pub(super) static CORE_V1_NODE_SELECTOR_REQUIREMENT: Message = Message {
    name: "NodeSelectorRequirement",
    fields: &[
        field(1, "key", Ty::String),
        field(2, "operator", Ty::String),
        list(3, "values", Ty::String),
    ],
};

pub(super) static CORE_V1_NODE_SELECTOR_TERM: Message = Message {
    name: "NodeSelectorTerm",
    fields: &[
        list(
            1,
            "matchExpressions",
            Ty::Msg(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
        ),
        list(
            2,
            "matchFields",
            Ty::Msg(&CORE_V1_NODE_SELECTOR_REQUIREMENT),
        ),
    ],
};

pub(super) static CORE_V1_OBJECT_FIELD_SELECTOR: Message = Message {
    name: "ObjectFieldSelector",
    fields: &[
        omit_zero(1, "apiVersion", Ty::String),
        field(2, "fieldPath", Ty::String),
    ],
};

pub(super) static CORE_V1_OBJECT_REFERENCE: Message = Message {
    name: "ObjectReference",
    fields: &[
        omit_zero(1, "kind", Ty::String),
        omit_zero(2, "namespace", Ty::String),
        omit_zero(3, "name", Ty::String),
        omit_zero(4, "uid", Ty::String),
        omit_zero(5, "apiVersion", Ty::String),
        omit_zero(6, "resourceVersion", Ty::String),
        omit_zero(7, "fieldPath", Ty::String),
    ],
};

pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC: Message = Message {
    name: "PersistentVolumeClaimSpec",
    fields: &[
        list(1, "accessModes", Ty::String),
        field(
            2,
            "resources",
            Ty::Msg(&CORE_V1_VOLUME_RESOURCE_REQUIREMENTS),
        ),
        omit_zero(3, "volumeName", Ty::String),
        field(4, "selector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(5, "storageClassName", Ty::String),
        field(6, "volumeMode", Ty::String),
        field(
            7,
            "dataSource",
            Ty::Msg(&CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE),
        ),
        field(8, "dataSourceRef", Ty::Msg(&CORE_V1_TYPED_OBJECT_REFERENCE)),
        field(9, "volumeAttributesClassName", Ty::String),
    ],
};

pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_TEMPLATE: Message = Message {
    name: "PersistentVolumeClaimTemplate",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_PERSISTENT_VOLUME_CLAIM_SPEC)),
    ],
};

pub(super) static CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE: Message = Message {
    name: "PersistentVolumeClaimVolumeSource",
    fields: &[
        field(1, "claimName", Ty::String),
        omit_zero(2, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE: Message = Message {
    name: "PhotonPersistentDiskVolumeSource",
    fields: &[
        field(1, "pdID", Ty::String),
        omit_zero(2, "fsType", Ty::String),
    ],
};

pub(super) static CORE_V1_POD: Message = Message {
    name: "Pod",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_POD_SPEC)),
        field(3, "status", Ty::Msg(&CORE_V1_POD_STATUS)),
    ],
};

pub(super) static CORE_V1_POD_AFFINITY: Message = Message {
    name: "PodAffinity",
    fields: &[
        list(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_POD_AFFINITY_TERM),
        ),
        list(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
        ),
    ],
};

pub(super) static CORE_V1_POD_AFFINITY_TERM: Message = Message {
    name: "PodAffinityTerm",
    fields: &[
        field(1, "labelSelector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        list(2, "namespaces", Ty::String),
        field(3, "topologyKey", Ty::String),
        field(4, "namespaceSelector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        list(5, "matchLabelKeys", Ty::String),
        list(6, "mismatchLabelKeys", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_ANTI_AFFINITY: Message = Message {
    name: "PodAntiAffinity",
    fields: &[
        list(
            1,
            "requiredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_POD_AFFINITY_TERM),
        ),
        list(
            2,
            "preferredDuringSchedulingIgnoredDuringExecution",
            Ty::Msg(&CORE_V1_WEIGHTED_POD_AFFINITY_TERM),
        ),
    ],
};

pub(super) static CORE_V1_POD_CERTIFICATE_PROJECTION: Message = Message {
    name: "PodCertificateProjection",
    fields: &[
        omit_zero(1, "signerName", Ty::String),
        omit_zero(2, "keyType", Ty::String),
        field(3, "maxExpirationSeconds", Ty::Int32),
        omit_zero(4, "credentialBundlePath", Ty::String),
        omit_zero(5, "keyPath", Ty::String),
        omit_zero(6, "certificateChainPath", Ty::String),
        map(7, "userAnnotations", Ty::String),
        field(8, "user", Ty::Int64),
    ],
};

pub(super) static CORE_V1_POD_CONDITION: Message = Message {
    name: "PodCondition",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "status", Ty::String),
        field(3, "lastProbeTime", Ty::Time),
        field(4, "lastTransitionTime", Ty::Time),
        omit_zero(5, "reason", Ty::String),
        omit_zero(6, "message", Ty::String),
        omit_zero(7, "observedGeneration", Ty::Int64),
    ],
};

pub(super) static CORE_V1_POD_DNS_CONFIG: Message = Message {
    name: "PodDNSConfig",
    fields: &[
        list(1, "nameservers", Ty::String),
        list(2, "searches", Ty::String),
        list(3, "options", Ty::Msg(&CORE_V1_POD_DNS_CONFIG_OPTION)),
    ],
};

pub(super) static CORE_V1_POD_DNS_CONFIG_OPTION: Message = Message {
    name: "PodDNSConfigOption",
    fields: &[
        omit_zero(1, "name", Ty::String),
        field(2, "value", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_EXTENDED_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "PodExtendedResourceClaimStatus",
    fields: &[
        list_or_null(
            1,
            "requestMappings",
            Ty::Msg(&CORE_V1_CONTAINER_EXTENDED_RESOURCE_REQUEST),
        ),
        field(2, "resourceClaimName", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_IP: Message = Message {
    name: "PodIP",
    fields: &[field(1, "ip", Ty::String)],
};

pub(super) static CORE_V1_POD_OS: Message = Message {
    name: "PodOS",
    fields: &[field(1, "name", Ty::String)],
};

pub(super) static CORE_V1_POD_READINESS_GATE: Message = Message {
    name: "PodReadinessGate",
    fields: &[field(1, "conditionType", Ty::String)],
};

pub(super) static CORE_V1_POD_RESOURCE_CLAIM: Message = Message {
    name: "PodResourceClaim",
    fields: &[
        field(1, "name", Ty::String),
        field(3, "resourceClaimName", Ty::String),
        field(4, "resourceClaimTemplateName", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_RESOURCE_CLAIM_STATUS: Message = Message {
    name: "PodResourceClaimStatus",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "resourceClaimName", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_SCHEDULING_GATE: Message = Message {
    name: "PodSchedulingGate",
    fields: &[field(1, "name", Ty::String)],
};

pub(super) static CORE_V1_POD_SCHEDULING_GROUP: Message = Message {
    name: "PodSchedulingGroup",
    fields: &[field(1, "podGroupName", Ty::String)],
};

pub(super) static CORE_V1_POD_SECURITY_CONTEXT: Message = Message {
    name: "PodSecurityContext",
    fields: &[
        field(1, "seLinuxOptions", Ty::Msg(&CORE_V1_SE_LINUX_OPTIONS)),
        field(2, "runAsUser", Ty::Int64),
        field(3, "runAsNonRoot", Ty::Bool),
        list(4, "supplementalGroups", Ty::Int64),
        field(5, "fsGroup", Ty::Int64),
        field(6, "runAsGroup", Ty::Int64),
        list(7, "sysctls", Ty::Msg(&CORE_V1_SYSCTL)),
        field(
            8,
            "windowsOptions",
            Ty::Msg(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
        ),
        field(9, "fsGroupChangePolicy", Ty::String),
        field(10, "seccompProfile", Ty::Msg(&CORE_V1_SECCOMP_PROFILE)),
        field(11, "appArmorProfile", Ty::Msg(&CORE_V1_APP_ARMOR_PROFILE)),
        field(12, "supplementalGroupsPolicy", Ty::String),
        field(13, "seLinuxChangePolicy", Ty::String),
    ],
};

pub(super) static CORE_V1_POD_SPEC: Message = Message {
    name: "PodSpec",
    fields: &[
        list(1, "volumes", Ty::Msg(&CORE_V1_VOLUME)),
        list_or_null(2, "containers", Ty::Msg(&CORE_V1_CONTAINER)),
        omit_zero(3, "restartPolicy", Ty::String),
        field(4, "terminationGracePeriodSeconds", Ty::Int64),
        field(5, "activeDeadlineSeconds", Ty::Int64),
        omit_zero(6, "dnsPolicy", Ty::String),
        map(7, "nodeSelector", Ty::String),
        omit_zero(8, "serviceAccountName", Ty::String),
        omit_zero(9, "serviceAccount", Ty::String),
        omit_zero(10, "nodeName", Ty::String),
        omit_zero(11, "hostNetwork", Ty::Bool),
        omit_zero(12, "hostPID", Ty::Bool),
        omit_zero(13, "hostIPC", Ty::Bool),
        field(
            14,
            "securityContext",
            Ty::Msg(&CORE_V1_POD_SECURITY_CONTEXT),
        ),
        list(
            15,
            "imagePullSecrets",
            Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE),
        ),
        omit_zero(16, "hostname", Ty::String),
        omit_zero(17, "subdomain", Ty::String),
        field(18, "affinity", Ty::Msg(&CORE_V1_AFFINITY)),
        omit_zero(19, "schedulerName", Ty::String),
        list(20, "initContainers", Ty::Msg(&CORE_V1_CONTAINER)),
        field(21, "automountServiceAccountToken", Ty::Bool),
        list(22, "tolerations", Ty::Msg(&CORE_V1_TOLERATION)),
        list(23, "hostAliases", Ty::Msg(&CORE_V1_HOST_ALIAS)),
        omit_zero(24, "priorityClassName", Ty::String),
        field(25, "priority", Ty::Int32),
        field(26, "dnsConfig", Ty::Msg(&CORE_V1_POD_DNS_CONFIG)),
        field(27, "shareProcessNamespace", Ty::Bool),
        list(28, "readinessGates", Ty::Msg(&CORE_V1_POD_READINESS_GATE)),
        field(29, "runtimeClassName", Ty::String),
        field(30, "enableServiceLinks", Ty::Bool),
        field(31, "preemptionPolicy", Ty::String),
        map(32, "overhead", Ty::Quantity),
        list(
            33,
            "topologySpreadConstraints",
            Ty::Msg(&CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT),
        ),
        list(
            34,
            "ephemeralContainers",
            Ty::Msg(&CORE_V1_EPHEMERAL_CONTAINER),
        ),
        field(35, "setHostnameAsFQDN", Ty::Bool),
        field(36, "os", Ty::Msg(&CORE_V1_POD_OS)),
        field(37, "hostUsers", Ty::Bool),
        list(38, "schedulingGates", Ty::Msg(&CORE_V1_POD_SCHEDULING_GATE)),
        list(39, "resourceClaims", Ty::Msg(&CORE_V1_POD_RESOURCE_CLAIM)),
        field(40, "resources", Ty::Msg(&CORE_V1_RESOURCE_REQUIREMENTS)),
        field(41, "hostnameOverride", Ty::String),
        field(
            43,
            "schedulingGroup",
            Ty::Msg(&CORE_V1_POD_SCHEDULING_GROUP),
        ),
        list(
            44,
            "evictionResponders",
            Ty::Msg(&CORE_V1_EVICTION_RESPONDER),
        ),
    ],
};

pub(super) static CORE_V1_POD_STATUS: Message = Message {
    name: "PodStatus",
    fields: &[
        omit_zero(1, "phase", Ty::String),
        list(2, "conditions", Ty::Msg(&CORE_V1_POD_CONDITION)),
        omit_zero(3, "message", Ty::String),
        omit_zero(4, "reason", Ty::String),
        omit_zero(5, "hostIP", Ty::String),
        omit_zero(6, "podIP", Ty::String),
        field(7, "startTime", Ty::Time),
        list(8, "containerStatuses", Ty::Msg(&CORE_V1_CONTAINER_STATUS)),
        omit_zero(9, "qosClass", Ty::String),
        list(
            10,
            "initContainerStatuses",
            Ty::Msg(&CORE_V1_CONTAINER_STATUS),
        ),
        omit_zero(11, "nominatedNodeName", Ty::String),
        list(12, "podIPs", Ty::Msg(&CORE_V1_POD_IP)),
        list(
            13,
            "ephemeralContainerStatuses",
            Ty::Msg(&CORE_V1_CONTAINER_STATUS),
        ),
        omit_zero(14, "resize", Ty::String),
        list(
            15,
            "resourceClaimStatuses",
            Ty::Msg(&CORE_V1_POD_RESOURCE_CLAIM_STATUS),
        ),
        list(16, "hostIPs", Ty::Msg(&CORE_V1_HOST_IP)),
        omit_zero(17, "observedGeneration", Ty::Int64),
        field(
            18,
            "extendedResourceClaimStatus",
            Ty::Msg(&CORE_V1_POD_EXTENDED_RESOURCE_CLAIM_STATUS),
        ),
        map(19, "allocatedResources", Ty::Quantity),
        field(20, "resources", Ty::Msg(&CORE_V1_RESOURCE_REQUIREMENTS)),
        list(
            21,
            "nodeAllocatableResourceClaimStatuses",
            Ty::Msg(&CORE_V1_NODE_ALLOCATABLE_RESOURCE_CLAIM_STATUS),
        ),
        list(22, "volumeHealth", Ty::Msg(&CORE_V1_POD_VOLUME_HEALTH)),
    ],
};

pub(super) static CORE_V1_POD_TEMPLATE_SPEC: Message = Message {
    name: "PodTemplateSpec",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_POD_SPEC)),
    ],
};

pub(super) static CORE_V1_POD_VOLUME_HEALTH: Message = Message {
    name: "PodVolumeHealth",
    fields: &[
        field(1, "name", Ty::String),
        list(
            2,
            "healthConditions",
            Ty::Msg(&CORE_V1_VOLUME_HEALTH_CONDITION),
        ),
        field(3, "lastTransitionTime", Ty::Time),
    ],
};

pub(super) static CORE_V1_PORT_STATUS: Message = Message {
    name: "PortStatus",
    fields: &[
        field(1, "port", Ty::Int32),
        field(2, "protocol", Ty::String),
        field(3, "error", Ty::String),
    ],
};

pub(super) static CORE_V1_PORTWORX_VOLUME_SOURCE: Message = Message {
    name: "PortworxVolumeSource",
    fields: &[
        field(1, "volumeID", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_PREFERRED_SCHEDULING_TERM: Message = Message {
    name: "PreferredSchedulingTerm",
    fields: &[
        field(1, "weight", Ty::Int32),
        field(2, "preference", Ty::Msg(&CORE_V1_NODE_SELECTOR_TERM)),
    ],
};

pub(super) static CORE_V1_PROBE: Message = Message {
    name: "Probe",
    fields: &[
        inline(1, &CORE_V1_PROBE_HANDLER),
        omit_zero(2, "initialDelaySeconds", Ty::Int32),
        omit_zero(3, "timeoutSeconds", Ty::Int32),
        omit_zero(4, "periodSeconds", Ty::Int32),
        omit_zero(5, "successThreshold", Ty::Int32),
        omit_zero(6, "failureThreshold", Ty::Int32),
        field(7, "terminationGracePeriodSeconds", Ty::Int64),
    ],
};

pub(super) static CORE_V1_PROBE_HANDLER: Message = Message {
    name: "ProbeHandler",
    fields: &[
        field(1, "exec", Ty::Msg(&CORE_V1_EXEC_ACTION)),
        field(2, "httpGet", Ty::Msg(&CORE_V1_HTTP_GET_ACTION)),
        field(3, "tcpSocket", Ty::Msg(&CORE_V1_TCP_SOCKET_ACTION)),
        field(4, "grpc", Ty::Msg(&CORE_V1_GRPC_ACTION)),
    ],
};

pub(super) static CORE_V1_PROJECTED_VOLUME_SOURCE: Message = Message {
    name: "ProjectedVolumeSource",
    fields: &[
        list_or_null(1, "sources", Ty::Msg(&CORE_V1_VOLUME_PROJECTION)),
        field(2, "defaultMode", Ty::Int32),
        field(3, "defaultUser", Ty::Int64),
    ],
};

pub(super) static CORE_V1_QUOBYTE_VOLUME_SOURCE: Message = Message {
    name: "QuobyteVolumeSource",
    fields: &[
        field(1, "registry", Ty::String),
        field(2, "volume", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
        omit_zero(4, "user", Ty::String),
        omit_zero(5, "group", Ty::String),
        omit_zero(6, "tenant", Ty::String),
    ],
};

pub(super) static CORE_V1_RBD_VOLUME_SOURCE: Message = Message {
    name: "RBDVolumeSource",
    fields: &[
        list_or_null(1, "monitors", Ty::String),
        field(2, "image", Ty::String),
        omit_zero(3, "fsType", Ty::String),
        omit_zero(4, "pool", Ty::String),
        omit_zero(5, "user", Ty::String),
        omit_zero(6, "keyring", Ty::String),
        field(7, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
        omit_zero(8, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_RESOURCE_CLAIM: Message = Message {
    name: "ResourceClaim",
    fields: &[
        field(1, "name", Ty::String),
        omit_zero(2, "request", Ty::String),
    ],
};

pub(super) static CORE_V1_RESOURCE_FIELD_SELECTOR: Message = Message {
    name: "ResourceFieldSelector",
    fields: &[
        omit_zero(1, "containerName", Ty::String),
        field(2, "resource", Ty::String),
        field(3, "divisor", Ty::Quantity),
    ],
};

pub(super) static CORE_V1_RESOURCE_HEALTH: Message = Message {
    name: "ResourceHealth",
    fields: &[
        field(1, "resourceID", Ty::String),
        omit_zero(2, "health", Ty::String),
        field(6, "message", Ty::String),
    ],
};

pub(super) static CORE_V1_RESOURCE_QUOTA: Message = Message {
    name: "ResourceQuota",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_RESOURCE_QUOTA_SPEC)),
        field(3, "status", Ty::Msg(&CORE_V1_RESOURCE_QUOTA_STATUS)),
    ],
};

pub(super) static CORE_V1_RESOURCE_QUOTA_SPEC: Message = Message {
    name: "ResourceQuotaSpec",
    fields: &[
        map(1, "hard", Ty::Quantity),
        list(2, "scopes", Ty::String),
        field(3, "scopeSelector", Ty::Msg(&CORE_V1_SCOPE_SELECTOR)),
    ],
};

pub(super) static CORE_V1_RESOURCE_QUOTA_STATUS: Message = Message {
    name: "ResourceQuotaStatus",
    fields: &[map(1, "hard", Ty::Quantity), map(2, "used", Ty::Quantity)],
};

pub(super) static CORE_V1_RESOURCE_REQUIREMENTS: Message = Message {
    name: "ResourceRequirements",
    fields: &[
        map(1, "limits", Ty::Quantity),
        map(2, "requests", Ty::Quantity),
        list(3, "claims", Ty::Msg(&CORE_V1_RESOURCE_CLAIM)),
    ],
};

pub(super) static CORE_V1_RESOURCE_STATUS: Message = Message {
    name: "ResourceStatus",
    fields: &[
        field(1, "name", Ty::String),
        list(2, "resources", Ty::Msg(&CORE_V1_RESOURCE_HEALTH)),
    ],
};

pub(super) static CORE_V1_SE_LINUX_OPTIONS: Message = Message {
    name: "SELinuxOptions",
    fields: &[
        omit_zero(1, "user", Ty::String),
        omit_zero(2, "role", Ty::String),
        omit_zero(3, "type", Ty::String),
        omit_zero(4, "level", Ty::String),
    ],
};

pub(super) static CORE_V1_SCALE_IO_VOLUME_SOURCE: Message = Message {
    name: "ScaleIOVolumeSource",
    fields: &[
        field(1, "gateway", Ty::String),
        field(2, "system", Ty::String),
        field_or_null(3, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
        omit_zero(4, "sslEnabled", Ty::Bool),
        omit_zero(5, "protectionDomain", Ty::String),
        omit_zero(6, "storagePool", Ty::String),
        omit_zero(7, "storageMode", Ty::String),
        omit_zero(8, "volumeName", Ty::String),
        omit_zero(9, "fsType", Ty::String),
        omit_zero(10, "readOnly", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SCOPE_SELECTOR: Message = Message {
    name: "ScopeSelector",
    fields: &[list(
        1,
        "matchExpressions",
        Ty::Msg(&CORE_V1_SCOPED_RESOURCE_SELECTOR_REQUIREMENT),
    )],
};

pub(super) static CORE_V1_SCOPED_RESOURCE_SELECTOR_REQUIREMENT: Message = Message {
    name: "ScopedResourceSelectorRequirement",
    fields: &[
        field(1, "scopeName", Ty::String),
        field(2, "operator", Ty::String),
        list(3, "values", Ty::String),
    ],
};

pub(super) static CORE_V1_SECCOMP_PROFILE: Message = Message {
    name: "SeccompProfile",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "localhostProfile", Ty::String),
    ],
};

pub(super) static CORE_V1_SECRET: Message = Message {
    name: "Secret",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        map(2, "data", Ty::Bytes),
        omit_zero(3, "type", Ty::String),
        map(4, "stringData", Ty::String),
        field(5, "immutable", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SECRET_ENV_SOURCE: Message = Message {
    name: "SecretEnvSource",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        field(2, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SECRET_KEY_SELECTOR: Message = Message {
    name: "SecretKeySelector",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        field(2, "key", Ty::String),
        field(3, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SECRET_PROJECTION: Message = Message {
    name: "SecretProjection",
    fields: &[
        inline(1, &CORE_V1_LOCAL_OBJECT_REFERENCE),
        list(2, "items", Ty::Msg(&CORE_V1_KEY_TO_PATH)),
        field(4, "optional", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SECRET_VOLUME_SOURCE: Message = Message {
    name: "SecretVolumeSource",
    fields: &[
        omit_zero(1, "secretName", Ty::String),
        list(2, "items", Ty::Msg(&CORE_V1_KEY_TO_PATH)),
        field(3, "defaultMode", Ty::Int32),
        field(4, "optional", Ty::Bool),
        field(5, "defaultUser", Ty::Int64),
    ],
};

pub(super) static CORE_V1_SECURITY_CONTEXT: Message = Message {
    name: "SecurityContext",
    fields: &[
        field(1, "capabilities", Ty::Msg(&CORE_V1_CAPABILITIES)),
        field(2, "privileged", Ty::Bool),
        field(3, "seLinuxOptions", Ty::Msg(&CORE_V1_SE_LINUX_OPTIONS)),
        field(4, "runAsUser", Ty::Int64),
        field(5, "runAsNonRoot", Ty::Bool),
        field(6, "readOnlyRootFilesystem", Ty::Bool),
        field(7, "allowPrivilegeEscalation", Ty::Bool),
        field(8, "runAsGroup", Ty::Int64),
        field(9, "procMount", Ty::String),
        field(
            10,
            "windowsOptions",
            Ty::Msg(&CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS),
        ),
        field(11, "seccompProfile", Ty::Msg(&CORE_V1_SECCOMP_PROFILE)),
        field(12, "appArmorProfile", Ty::Msg(&CORE_V1_APP_ARMOR_PROFILE)),
    ],
};

pub(super) static CORE_V1_SERVICE: Message = Message {
    name: "Service",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&CORE_V1_SERVICE_SPEC)),
        field(3, "status", Ty::Msg(&CORE_V1_SERVICE_STATUS)),
    ],
};

pub(super) static CORE_V1_SERVICE_ACCOUNT: Message = Message {
    name: "ServiceAccount",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        list(2, "secrets", Ty::Msg(&CORE_V1_OBJECT_REFERENCE)),
        list(
            3,
            "imagePullSecrets",
            Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE),
        ),
        field(4, "automountServiceAccountToken", Ty::Bool),
    ],
};

pub(super) static CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION: Message = Message {
    name: "ServiceAccountTokenProjection",
    fields: &[
        omit_zero(1, "audience", Ty::String),
        field(2, "expirationSeconds", Ty::Int64),
        field(3, "path", Ty::String),
        field(4, "user", Ty::Int64),
    ],
};

pub(super) static CORE_V1_SERVICE_PORT: Message = Message {
    name: "ServicePort",
    fields: &[
        omit_zero(1, "name", Ty::String),
        omit_zero(2, "protocol", Ty::String),
        field(3, "port", Ty::Int32),
        field(4, "targetPort", Ty::IntOrString),
        omit_zero(5, "nodePort", Ty::Int32),
        field(6, "appProtocol", Ty::String),
    ],
};

pub(super) static CORE_V1_SERVICE_SPEC: Message = Message {
    name: "ServiceSpec",
    fields: &[
        list(1, "ports", Ty::Msg(&CORE_V1_SERVICE_PORT)),
        map(2, "selector", Ty::String),
        omit_zero(3, "clusterIP", Ty::String),
        omit_zero(4, "type", Ty::String),
        list(5, "externalIPs", Ty::String),
        omit_zero(7, "sessionAffinity", Ty::String),
        omit_zero(8, "loadBalancerIP", Ty::String),
        list(9, "loadBalancerSourceRanges", Ty::String),
        omit_zero(10, "externalName", Ty::String),
        omit_zero(11, "externalTrafficPolicy", Ty::String),
        omit_zero(12, "healthCheckNodePort", Ty::Int32),
        omit_zero(13, "publishNotReadyAddresses", Ty::Bool),
        field(
            14,
            "sessionAffinityConfig",
            Ty::Msg(&CORE_V1_SESSION_AFFINITY_CONFIG),
        ),
        field(17, "ipFamilyPolicy", Ty::String),
        list(18, "clusterIPs", Ty::String),
        list(19, "ipFamilies", Ty::String),
        field(20, "allocateLoadBalancerNodePorts", Ty::Bool),
        field(21, "loadBalancerClass", Ty::String),
        field(22, "internalTrafficPolicy", Ty::String),
        field(23, "trafficDistribution", Ty::String),
    ],
};

pub(super) static CORE_V1_SERVICE_STATUS: Message = Message {
    name: "ServiceStatus",
    fields: &[
        field(1, "loadBalancer", Ty::Msg(&CORE_V1_LOAD_BALANCER_STATUS)),
        list(2, "conditions", Ty::Msg(&META_V1_CONDITION)),
    ],
};

pub(super) static CORE_V1_SESSION_AFFINITY_CONFIG: Message = Message {
    name: "SessionAffinityConfig",
    fields: &[field(1, "clientIP", Ty::Msg(&CORE_V1_CLIENT_IP_CONFIG))],
};

pub(super) static CORE_V1_SLEEP_ACTION: Message = Message {
    name: "SleepAction",
    fields: &[field(1, "seconds", Ty::Int64)],
};

pub(super) static CORE_V1_STORAGE_OS_VOLUME_SOURCE: Message = Message {
    name: "StorageOSVolumeSource",
    fields: &[
        omit_zero(1, "volumeName", Ty::String),
        omit_zero(2, "volumeNamespace", Ty::String),
        omit_zero(3, "fsType", Ty::String),
        omit_zero(4, "readOnly", Ty::Bool),
        field(5, "secretRef", Ty::Msg(&CORE_V1_LOCAL_OBJECT_REFERENCE)),
    ],
};

pub(super) static CORE_V1_SYSCTL: Message = Message {
    name: "Sysctl",
    fields: &[field(1, "name", Ty::String), field(2, "value", Ty::String)],
};

pub(super) static CORE_V1_TCP_SOCKET_ACTION: Message = Message {
    name: "TCPSocketAction",
    fields: &[
        field(1, "port", Ty::IntOrString),
        omit_zero(2, "host", Ty::String),
    ],
};

pub(super) static CORE_V1_TOLERATION: Message = Message {
    name: "Toleration",
    fields: &[
        omit_zero(1, "key", Ty::String),
        omit_zero(2, "operator", Ty::String),
        omit_zero(3, "value", Ty::String),
        omit_zero(4, "effect", Ty::String),
        field(5, "tolerationSeconds", Ty::Int64),
    ],
};

pub(super) static CORE_V1_TOPOLOGY_SPREAD_CONSTRAINT: Message = Message {
    name: "TopologySpreadConstraint",
    fields: &[
        field(1, "maxSkew", Ty::Int32),
        field(2, "topologyKey", Ty::String),
        field(3, "whenUnsatisfiable", Ty::String),
        field(4, "labelSelector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(5, "minDomains", Ty::Int32),
        field(6, "nodeAffinityPolicy", Ty::String),
        field(7, "nodeTaintsPolicy", Ty::String),
        list(8, "matchLabelKeys", Ty::String),
    ],
};

pub(super) static CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "TypedLocalObjectReference",
    fields: &[
        field_or_null(1, "apiGroup", Ty::String),
        field(2, "kind", Ty::String),
        field(3, "name", Ty::String),
    ],
};

pub(super) static CORE_V1_TYPED_OBJECT_REFERENCE: Message = Message {
    name: "TypedObjectReference",
    fields: &[
        field_or_null(1, "apiGroup", Ty::String),
        field(2, "kind", Ty::String),
        field(3, "name", Ty::String),
        field(4, "namespace", Ty::String),
    ],
};

pub(super) static CORE_V1_VOLUME: Message = Message {
    name: "Volume",
    fields: &[
        field(1, "name", Ty::String),
        inline(2, &CORE_V1_VOLUME_SOURCE),
    ],
};

pub(super) static CORE_V1_VOLUME_DEVICE: Message = Message {
    name: "VolumeDevice",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "devicePath", Ty::String),
    ],
};

pub(super) static CORE_V1_VOLUME_HEALTH_CONDITION: Message = Message {
    name: "VolumeHealthCondition",
    fields: &[
        field(1, "status", Ty::String),
        field(2, "reason", Ty::String),
        omit_zero(3, "message", Ty::String),
    ],
};

pub(super) static CORE_V1_VOLUME_MOUNT: Message = Message {
    name: "VolumeMount",
    fields: &[
        field(1, "name", Ty::String),
        omit_zero(2, "readOnly", Ty::Bool),
        field(3, "mountPath", Ty::String),
        omit_zero(4, "subPath", Ty::String),
        field(5, "mountPropagation", Ty::String),
        omit_zero(6, "subPathExpr", Ty::String),
        field(7, "recursiveReadOnly", Ty::String),
        list(8, "bindMountOptions", Ty::String),
    ],
};

pub(super) static CORE_V1_VOLUME_MOUNT_STATUS: Message = Message {
    name: "VolumeMountStatus",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "mountPath", Ty::String),
        omit_zero(3, "readOnly", Ty::Bool),
        field(4, "recursiveReadOnly", Ty::String),
        field(5, "volumeStatus", Ty::Msg(&CORE_V1_VOLUME_STATUS)),
    ],
};

pub(super) static CORE_V1_VOLUME_PROJECTION: Message = Message {
    name: "VolumeProjection",
    fields: &[
        field(1, "secret", Ty::Msg(&CORE_V1_SECRET_PROJECTION)),
        field(2, "downwardAPI", Ty::Msg(&CORE_V1_DOWNWARD_API_PROJECTION)),
        field(3, "configMap", Ty::Msg(&CORE_V1_CONFIG_MAP_PROJECTION)),
        field(
            4,
            "serviceAccountToken",
            Ty::Msg(&CORE_V1_SERVICE_ACCOUNT_TOKEN_PROJECTION),
        ),
        field(
            5,
            "clusterTrustBundle",
            Ty::Msg(&CORE_V1_CLUSTER_TRUST_BUNDLE_PROJECTION),
        ),
        field(
            6,
            "podCertificate",
            Ty::Msg(&CORE_V1_POD_CERTIFICATE_PROJECTION),
        ),
    ],
};

pub(super) static CORE_V1_VOLUME_RESOURCE_REQUIREMENTS: Message = Message {
    name: "VolumeResourceRequirements",
    fields: &[
        map(1, "limits", Ty::Quantity),
        map(2, "requests", Ty::Quantity),
    ],
};

pub(super) static CORE_V1_VOLUME_SOURCE: Message = Message {
    name: "VolumeSource",
    fields: &[
        field(1, "hostPath", Ty::Msg(&CORE_V1_HOST_PATH_VOLUME_SOURCE)),
        field(2, "emptyDir", Ty::Msg(&CORE_V1_EMPTY_DIR_VOLUME_SOURCE)),
        field(
            3,
            "gcePersistentDisk",
            Ty::Msg(&CORE_V1_GCE_PERSISTENT_DISK_VOLUME_SOURCE),
        ),
        field(
            4,
            "awsElasticBlockStore",
            Ty::Msg(&CORE_V1_AWS_ELASTIC_BLOCK_STORE_VOLUME_SOURCE),
        ),
        field(5, "gitRepo", Ty::Msg(&CORE_V1_GIT_REPO_VOLUME_SOURCE)),
        field(6, "secret", Ty::Msg(&CORE_V1_SECRET_VOLUME_SOURCE)),
        field(7, "nfs", Ty::Msg(&CORE_V1_NFS_VOLUME_SOURCE)),
        field(8, "iscsi", Ty::Msg(&CORE_V1_ISCSI_VOLUME_SOURCE)),
        field(9, "glusterfs", Ty::Msg(&CORE_V1_GLUSTERFS_VOLUME_SOURCE)),
        field(
            10,
            "persistentVolumeClaim",
            Ty::Msg(&CORE_V1_PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
        ),
        field(11, "rbd", Ty::Msg(&CORE_V1_RBD_VOLUME_SOURCE)),
        field(12, "flexVolume", Ty::Msg(&CORE_V1_FLEX_VOLUME_SOURCE)),
        field(13, "cinder", Ty::Msg(&CORE_V1_CINDER_VOLUME_SOURCE)),
        field(14, "cephfs", Ty::Msg(&CORE_V1_CEPH_FS_VOLUME_SOURCE)),
        field(15, "flocker", Ty::Msg(&CORE_V1_FLOCKER_VOLUME_SOURCE)),
        field(
            16,
            "downwardAPI",
            Ty::Msg(&CORE_V1_DOWNWARD_API_VOLUME_SOURCE),
        ),
        field(17, "fc", Ty::Msg(&CORE_V1_FC_VOLUME_SOURCE)),
        field(18, "azureFile", Ty::Msg(&CORE_V1_AZURE_FILE_VOLUME_SOURCE)),
        field(19, "configMap", Ty::Msg(&CORE_V1_CONFIG_MAP_VOLUME_SOURCE)),
        field(
            20,
            "vsphereVolume",
            Ty::Msg(&CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE),
        ),
        field(21, "quobyte", Ty::Msg(&CORE_V1_QUOBYTE_VOLUME_SOURCE)),
        field(22, "azureDisk", Ty::Msg(&CORE_V1_AZURE_DISK_VOLUME_SOURCE)),
        field(
            23,
            "photonPersistentDisk",
            Ty::Msg(&CORE_V1_PHOTON_PERSISTENT_DISK_VOLUME_SOURCE),
        ),
        field(
            24,
            "portworxVolume",
            Ty::Msg(&CORE_V1_PORTWORX_VOLUME_SOURCE),
        ),
        field(25, "scaleIO", Ty::Msg(&CORE_V1_SCALE_IO_VOLUME_SOURCE)),
        field(26, "projected", Ty::Msg(&CORE_V1_PROJECTED_VOLUME_SOURCE)),
        field(27, "storageos", Ty::Msg(&CORE_V1_STORAGE_OS_VOLUME_SOURCE)),
        field(28, "csi", Ty::Msg(&CORE_V1_CSI_VOLUME_SOURCE)),
        field(29, "ephemeral", Ty::Msg(&CORE_V1_EPHEMERAL_VOLUME_SOURCE)),
        field(30, "image", Ty::Msg(&CORE_V1_IMAGE_VOLUME_SOURCE)),
    ],
};

pub(super) static CORE_V1_VOLUME_STATUS: Message = Message {
    name: "VolumeStatus",
    fields: &[field(1, "image", Ty::Msg(&CORE_V1_IMAGE_VOLUME_STATUS))],
};

pub(super) static CORE_V1_VSPHERE_VIRTUAL_DISK_VOLUME_SOURCE: Message = Message {
    name: "VsphereVirtualDiskVolumeSource",
    fields: &[
        field(1, "volumePath", Ty::String),
        omit_zero(2, "fsType", Ty::String),
        omit_zero(3, "storagePolicyName", Ty::String),
        omit_zero(4, "storagePolicyID", Ty::String),
    ],
};

pub(super) static CORE_V1_WEIGHTED_POD_AFFINITY_TERM: Message = Message {
    name: "WeightedPodAffinityTerm",
    fields: &[
        field(1, "weight", Ty::Int32),
        field(2, "podAffinityTerm", Ty::Msg(&CORE_V1_POD_AFFINITY_TERM)),
    ],
};

pub(super) static CORE_V1_WINDOWS_SECURITY_CONTEXT_OPTIONS: Message = Message {
    name: "WindowsSecurityContextOptions",
    fields: &[
        field(1, "gmsaCredentialSpecName", Ty::String),
        field(2, "gmsaCredentialSpec", Ty::String),
        field(3, "runAsUserName", Ty::String),
        field(4, "hostProcess", Ty::Bool),
    ],
};

// ---- k8s.io.api.apps.v1: field numbers from kubernetes/api/apps/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/apps/v1/types.go.

pub(super) static APPS_V1_DEPLOYMENT: Message = Message {
    name: "Deployment",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&APPS_V1_DEPLOYMENT_SPEC)),
        field(3, "status", Ty::Msg(&APPS_V1_DEPLOYMENT_STATUS)),
    ],
};

pub(super) static APPS_V1_DEPLOYMENT_CONDITION: Message = Message {
    name: "DeploymentCondition",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "status", Ty::String),
        omit_zero(4, "reason", Ty::String),
        omit_zero(5, "message", Ty::String),
        field(6, "lastUpdateTime", Ty::Time),
        field(7, "lastTransitionTime", Ty::Time),
    ],
};

pub(super) static APPS_V1_DEPLOYMENT_SPEC: Message = Message {
    name: "DeploymentSpec",
    fields: &[
        field(1, "replicas", Ty::Int32),
        field_or_null(2, "selector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(3, "template", Ty::Msg(&CORE_V1_POD_TEMPLATE_SPEC)),
        field(4, "strategy", Ty::Msg(&APPS_V1_DEPLOYMENT_STRATEGY)),
        omit_zero(5, "minReadySeconds", Ty::Int32),
        field(6, "revisionHistoryLimit", Ty::Int32),
        omit_zero(7, "paused", Ty::Bool),
        field(9, "progressDeadlineSeconds", Ty::Int32),
    ],
};

pub(super) static APPS_V1_DEPLOYMENT_STATUS: Message = Message {
    name: "DeploymentStatus",
    fields: &[
        omit_zero(1, "observedGeneration", Ty::Int64),
        omit_zero(2, "replicas", Ty::Int32),
        omit_zero(3, "updatedReplicas", Ty::Int32),
        omit_zero(4, "availableReplicas", Ty::Int32),
        omit_zero(5, "unavailableReplicas", Ty::Int32),
        list(6, "conditions", Ty::Msg(&APPS_V1_DEPLOYMENT_CONDITION)),
        omit_zero(7, "readyReplicas", Ty::Int32),
        field(8, "collisionCount", Ty::Int32),
        field(9, "terminatingReplicas", Ty::Int32),
    ],
};

pub(super) static APPS_V1_DEPLOYMENT_STRATEGY: Message = Message {
    name: "DeploymentStrategy",
    fields: &[
        omit_zero(1, "type", Ty::String),
        field(
            2,
            "rollingUpdate",
            Ty::Msg(&APPS_V1_ROLLING_UPDATE_DEPLOYMENT),
        ),
    ],
};

pub(super) static APPS_V1_ROLLING_UPDATE_DEPLOYMENT: Message = Message {
    name: "RollingUpdateDeployment",
    fields: &[
        field(1, "maxUnavailable", Ty::IntOrString),
        field(2, "maxSurge", Ty::IntOrString),
    ],
};

// ---- k8s.io.api.batch.v1: field numbers from kubernetes/api/batch/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/batch/v1/types.go.

pub(super) static BATCH_V1_CRON_JOB: Message = Message {
    name: "CronJob",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&BATCH_V1_CRON_JOB_SPEC)),
        field(3, "status", Ty::Msg(&BATCH_V1_CRON_JOB_STATUS)),
    ],
};

pub(super) static BATCH_V1_CRON_JOB_SPEC: Message = Message {
    name: "CronJobSpec",
    fields: &[
        field(1, "schedule", Ty::String),
        field(2, "startingDeadlineSeconds", Ty::Int64),
        omit_zero(3, "concurrencyPolicy", Ty::String),
        field(4, "suspend", Ty::Bool),
        field(5, "jobTemplate", Ty::Msg(&BATCH_V1_JOB_TEMPLATE_SPEC)),
        field(6, "successfulJobsHistoryLimit", Ty::Int32),
        field(7, "failedJobsHistoryLimit", Ty::Int32),
        field(8, "timeZone", Ty::String),
    ],
};

pub(super) static BATCH_V1_CRON_JOB_STATUS: Message = Message {
    name: "CronJobStatus",
    fields: &[
        list(1, "active", Ty::Msg(&CORE_V1_OBJECT_REFERENCE)),
        field(4, "lastScheduleTime", Ty::Time),
        field(5, "lastSuccessfulTime", Ty::Time),
    ],
};

pub(super) static BATCH_V1_JOB: Message = Message {
    name: "Job",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&BATCH_V1_JOB_SPEC)),
        field(3, "status", Ty::Msg(&BATCH_V1_JOB_STATUS)),
    ],
};

pub(super) static BATCH_V1_JOB_CONDITION: Message = Message {
    name: "JobCondition",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "status", Ty::String),
        field(3, "lastProbeTime", Ty::Time),
        field(4, "lastTransitionTime", Ty::Time),
        omit_zero(5, "reason", Ty::String),
        omit_zero(6, "message", Ty::String),
    ],
};

pub(super) static BATCH_V1_JOB_SCHEDULING_CONFIGURATION: Message = Message {
    name: "JobSchedulingConfiguration",
    fields: &[],
};

pub(super) static BATCH_V1_JOB_SPEC: Message = Message {
    name: "JobSpec",
    fields: &[
        field(1, "parallelism", Ty::Int32),
        field(2, "completions", Ty::Int32),
        field(3, "activeDeadlineSeconds", Ty::Int64),
        field(4, "selector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(5, "manualSelector", Ty::Bool),
        field(6, "template", Ty::Msg(&CORE_V1_POD_TEMPLATE_SPEC)),
        field(7, "backoffLimit", Ty::Int32),
        field(8, "ttlSecondsAfterFinished", Ty::Int32),
        field(9, "completionMode", Ty::String),
        field(10, "suspend", Ty::Bool),
        field(
            11,
            "podFailurePolicy",
            Ty::Msg(&BATCH_V1_POD_FAILURE_POLICY),
        ),
        field(12, "backoffLimitPerIndex", Ty::Int32),
        field(13, "maxFailedIndexes", Ty::Int32),
        field(14, "podReplacementPolicy", Ty::String),
        field(15, "managedBy", Ty::String),
        field(16, "successPolicy", Ty::Msg(&BATCH_V1_SUCCESS_POLICY)),
        field(
            17,
            "scheduling",
            Ty::Msg(&BATCH_V1_JOB_SCHEDULING_CONFIGURATION),
        ),
    ],
};

pub(super) static BATCH_V1_JOB_STATUS: Message = Message {
    name: "JobStatus",
    fields: &[
        list(1, "conditions", Ty::Msg(&BATCH_V1_JOB_CONDITION)),
        field(2, "startTime", Ty::Time),
        field(3, "completionTime", Ty::Time),
        omit_zero(4, "active", Ty::Int32),
        omit_zero(5, "succeeded", Ty::Int32),
        omit_zero(6, "failed", Ty::Int32),
        omit_zero(7, "completedIndexes", Ty::String),
        field(
            8,
            "uncountedTerminatedPods",
            Ty::Msg(&BATCH_V1_UNCOUNTED_TERMINATED_PODS),
        ),
        field(9, "ready", Ty::Int32),
        field(10, "failedIndexes", Ty::String),
        field(11, "terminating", Ty::Int32),
    ],
};

pub(super) static BATCH_V1_JOB_TEMPLATE_SPEC: Message = Message {
    name: "JobTemplateSpec",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&BATCH_V1_JOB_SPEC)),
    ],
};

pub(super) static BATCH_V1_POD_FAILURE_POLICY: Message = Message {
    name: "PodFailurePolicy",
    fields: &[list_or_null(
        1,
        "rules",
        Ty::Msg(&BATCH_V1_POD_FAILURE_POLICY_RULE),
    )],
};

pub(super) static BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT: Message = Message {
    name: "PodFailurePolicyOnExitCodesRequirement",
    fields: &[
        field(1, "containerName", Ty::String),
        field(2, "operator", Ty::String),
        list_or_null(3, "values", Ty::Int32),
    ],
};

pub(super) static BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN: Message = Message {
    name: "PodFailurePolicyOnPodConditionsPattern",
    fields: &[field(1, "type", Ty::String), field(2, "status", Ty::String)],
};

pub(super) static BATCH_V1_POD_FAILURE_POLICY_RULE: Message = Message {
    name: "PodFailurePolicyRule",
    fields: &[
        field(1, "action", Ty::String),
        field(
            2,
            "onExitCodes",
            Ty::Msg(&BATCH_V1_POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT),
        ),
        list(
            3,
            "onPodConditions",
            Ty::Msg(&BATCH_V1_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERN),
        ),
    ],
};

pub(super) static BATCH_V1_SUCCESS_POLICY: Message = Message {
    name: "SuccessPolicy",
    fields: &[list_or_null(
        1,
        "rules",
        Ty::Msg(&BATCH_V1_SUCCESS_POLICY_RULE),
    )],
};

pub(super) static BATCH_V1_SUCCESS_POLICY_RULE: Message = Message {
    name: "SuccessPolicyRule",
    fields: &[
        field(1, "succeededIndexes", Ty::String),
        field(2, "succeededCount", Ty::Int32),
    ],
};

pub(super) static BATCH_V1_UNCOUNTED_TERMINATED_PODS: Message = Message {
    name: "UncountedTerminatedPods",
    fields: &[
        list(1, "succeeded", Ty::String),
        list(2, "failed", Ty::String),
    ],
};

// ---- k8s.io.api.autoscaling.v1: field numbers from kubernetes/api/autoscaling/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/autoscaling/v1/types.go.

pub(super) static AUTOSCALING_V1_CROSS_VERSION_OBJECT_REFERENCE: Message = Message {
    name: "CrossVersionObjectReference",
    fields: &[
        field(1, "kind", Ty::String),
        field(2, "name", Ty::String),
        omit_zero(3, "apiVersion", Ty::String),
    ],
};

pub(super) static AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER: Message = Message {
    name: "HorizontalPodAutoscaler",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(
            2,
            "spec",
            Ty::Msg(&AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER_SPEC),
        ),
        field(
            3,
            "status",
            Ty::Msg(&AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER_STATUS),
        ),
    ],
};

pub(super) static AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER_SPEC: Message = Message {
    name: "HorizontalPodAutoscalerSpec",
    fields: &[
        field(
            1,
            "scaleTargetRef",
            Ty::Msg(&AUTOSCALING_V1_CROSS_VERSION_OBJECT_REFERENCE),
        ),
        field(2, "minReplicas", Ty::Int32),
        field(3, "maxReplicas", Ty::Int32),
        field(4, "targetCPUUtilizationPercentage", Ty::Int32),
    ],
};

pub(super) static AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER_STATUS: Message = Message {
    name: "HorizontalPodAutoscalerStatus",
    fields: &[
        field(1, "observedGeneration", Ty::Int64),
        field(2, "lastScaleTime", Ty::Time),
        field(3, "currentReplicas", Ty::Int32),
        field(4, "desiredReplicas", Ty::Int32),
        field(5, "currentCPUUtilizationPercentage", Ty::Int32),
    ],
};

// ---- k8s.io.api.policy.v1: field numbers from kubernetes/api/policy/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/policy/v1/types.go.

pub(super) static POLICY_V1_EVICTION: Message = Message {
    name: "Eviction",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "deleteOptions", Ty::Msg(&META_V1_DELETE_OPTIONS)),
    ],
};

pub(super) static POLICY_V1_POD_DISRUPTION_BUDGET: Message = Message {
    name: "PodDisruptionBudget",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&POLICY_V1_POD_DISRUPTION_BUDGET_SPEC)),
        field(
            3,
            "status",
            Ty::Msg(&POLICY_V1_POD_DISRUPTION_BUDGET_STATUS),
        ),
    ],
};

pub(super) static POLICY_V1_POD_DISRUPTION_BUDGET_SPEC: Message = Message {
    name: "PodDisruptionBudgetSpec",
    fields: &[
        field(1, "minAvailable", Ty::IntOrString),
        field(2, "selector", Ty::Msg(&META_V1_LABEL_SELECTOR)),
        field(3, "maxUnavailable", Ty::IntOrString),
        field(4, "unhealthyPodEvictionPolicy", Ty::String),
    ],
};

pub(super) static POLICY_V1_POD_DISRUPTION_BUDGET_STATUS: Message = Message {
    name: "PodDisruptionBudgetStatus",
    fields: &[
        omit_zero(1, "observedGeneration", Ty::Int64),
        map(2, "disruptedPods", Ty::Time),
        field(3, "disruptionsAllowed", Ty::Int32),
        field(4, "currentHealthy", Ty::Int32),
        field(5, "desiredHealthy", Ty::Int32),
        field(6, "expectedPods", Ty::Int32),
        list(7, "conditions", Ty::Msg(&META_V1_CONDITION)),
    ],
};

// ---- k8s.io.api.rbac.v1: field numbers from kubernetes/api/rbac/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/rbac/v1/types.go.

pub(super) static RBAC_V1_AGGREGATION_RULE: Message = Message {
    name: "AggregationRule",
    fields: &[list(
        1,
        "clusterRoleSelectors",
        Ty::Msg(&META_V1_LABEL_SELECTOR),
    )],
};

pub(super) static RBAC_V1_CLUSTER_ROLE: Message = Message {
    name: "ClusterRole",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        list_or_null(2, "rules", Ty::Msg(&RBAC_V1_POLICY_RULE)),
        field(3, "aggregationRule", Ty::Msg(&RBAC_V1_AGGREGATION_RULE)),
    ],
};

pub(super) static RBAC_V1_CLUSTER_ROLE_BINDING: Message = Message {
    name: "ClusterRoleBinding",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        list(2, "subjects", Ty::Msg(&RBAC_V1_SUBJECT)),
        field(3, "roleRef", Ty::Msg(&RBAC_V1_ROLE_REF)),
    ],
};

pub(super) static RBAC_V1_POLICY_RULE: Message = Message {
    name: "PolicyRule",
    fields: &[
        list_or_null(1, "verbs", Ty::String),
        list(2, "apiGroups", Ty::String),
        list(3, "resources", Ty::String),
        list(4, "resourceNames", Ty::String),
        list(5, "nonResourceURLs", Ty::String),
    ],
};

pub(super) static RBAC_V1_ROLE: Message = Message {
    name: "Role",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        list_or_null(2, "rules", Ty::Msg(&RBAC_V1_POLICY_RULE)),
    ],
};

pub(super) static RBAC_V1_ROLE_BINDING: Message = Message {
    name: "RoleBinding",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        list(2, "subjects", Ty::Msg(&RBAC_V1_SUBJECT)),
        field(3, "roleRef", Ty::Msg(&RBAC_V1_ROLE_REF)),
    ],
};

pub(super) static RBAC_V1_ROLE_REF: Message = Message {
    name: "RoleRef",
    fields: &[
        field(1, "apiGroup", Ty::String),
        field(2, "kind", Ty::String),
        field(3, "name", Ty::String),
    ],
};

pub(super) static RBAC_V1_SUBJECT: Message = Message {
    name: "Subject",
    fields: &[
        field(1, "kind", Ty::String),
        omit_zero(2, "apiGroup", Ty::String),
        field(3, "name", Ty::String),
        omit_zero(4, "namespace", Ty::String),
    ],
};

// ---- k8s.io.api.networking.v1: field numbers from kubernetes/api/networking/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/networking/v1/types.go.

pub(super) static NETWORKING_V1_HTTP_INGRESS_PATH: Message = Message {
    name: "HTTPIngressPath",
    fields: &[
        omit_zero(1, "path", Ty::String),
        field(2, "backend", Ty::Msg(&NETWORKING_V1_INGRESS_BACKEND)),
        field_or_null(3, "pathType", Ty::String),
    ],
};

pub(super) static NETWORKING_V1_HTTP_INGRESS_RULE_VALUE: Message = Message {
    name: "HTTPIngressRuleValue",
    fields: &[list_or_null(
        1,
        "paths",
        Ty::Msg(&NETWORKING_V1_HTTP_INGRESS_PATH),
    )],
};

pub(super) static NETWORKING_V1_INGRESS: Message = Message {
    name: "Ingress",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&NETWORKING_V1_INGRESS_SPEC)),
        field(3, "status", Ty::Msg(&NETWORKING_V1_INGRESS_STATUS)),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_BACKEND: Message = Message {
    name: "IngressBackend",
    fields: &[
        field(
            3,
            "resource",
            Ty::Msg(&CORE_V1_TYPED_LOCAL_OBJECT_REFERENCE),
        ),
        field(
            4,
            "service",
            Ty::Msg(&NETWORKING_V1_INGRESS_SERVICE_BACKEND),
        ),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_LOAD_BALANCER_INGRESS: Message = Message {
    name: "IngressLoadBalancerIngress",
    fields: &[
        omit_zero(1, "ip", Ty::String),
        omit_zero(2, "hostname", Ty::String),
        list(4, "ports", Ty::Msg(&NETWORKING_V1_INGRESS_PORT_STATUS)),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_LOAD_BALANCER_STATUS: Message = Message {
    name: "IngressLoadBalancerStatus",
    fields: &[list(
        1,
        "ingress",
        Ty::Msg(&NETWORKING_V1_INGRESS_LOAD_BALANCER_INGRESS),
    )],
};

pub(super) static NETWORKING_V1_INGRESS_PORT_STATUS: Message = Message {
    name: "IngressPortStatus",
    fields: &[
        field(1, "port", Ty::Int32),
        field(2, "protocol", Ty::String),
        field(3, "error", Ty::String),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_RULE: Message = Message {
    name: "IngressRule",
    fields: &[
        omit_zero(1, "host", Ty::String),
        inline(2, &NETWORKING_V1_INGRESS_RULE_VALUE),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_RULE_VALUE: Message = Message {
    name: "IngressRuleValue",
    fields: &[field(
        1,
        "http",
        Ty::Msg(&NETWORKING_V1_HTTP_INGRESS_RULE_VALUE),
    )],
};

pub(super) static NETWORKING_V1_INGRESS_SERVICE_BACKEND: Message = Message {
    name: "IngressServiceBackend",
    fields: &[
        field(1, "name", Ty::String),
        field(2, "port", Ty::Msg(&NETWORKING_V1_SERVICE_BACKEND_PORT)),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_SPEC: Message = Message {
    name: "IngressSpec",
    fields: &[
        field(1, "defaultBackend", Ty::Msg(&NETWORKING_V1_INGRESS_BACKEND)),
        list(2, "tls", Ty::Msg(&NETWORKING_V1_INGRESS_TLS)),
        list(3, "rules", Ty::Msg(&NETWORKING_V1_INGRESS_RULE)),
        field(4, "ingressClassName", Ty::String),
    ],
};

pub(super) static NETWORKING_V1_INGRESS_STATUS: Message = Message {
    name: "IngressStatus",
    fields: &[field(
        1,
        "loadBalancer",
        Ty::Msg(&NETWORKING_V1_INGRESS_LOAD_BALANCER_STATUS),
    )],
};

pub(super) static NETWORKING_V1_INGRESS_TLS: Message = Message {
    name: "IngressTLS",
    fields: &[
        list(1, "hosts", Ty::String),
        omit_zero(2, "secretName", Ty::String),
    ],
};

pub(super) static NETWORKING_V1_SERVICE_BACKEND_PORT: Message = Message {
    name: "ServiceBackendPort",
    fields: &[
        omit_zero(1, "name", Ty::String),
        omit_zero(2, "number", Ty::Int32),
    ],
};

// ---- k8s.io.api.scheduling.v1: field numbers from kubernetes/api/scheduling/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/scheduling/v1/types.go.

pub(super) static SCHEDULING_V1_PRIORITY_CLASS: Message = Message {
    name: "PriorityClass",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "value", Ty::Int32),
        omit_zero(3, "globalDefault", Ty::Bool),
        omit_zero(4, "description", Ty::String),
        field(5, "preemptionPolicy", Ty::String),
    ],
};

// ---- k8s.io.api.authentication.v1: field numbers from kubernetes/api/authentication/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/authentication/v1/types.go.

pub(super) static AUTHENTICATION_V1_BOUND_OBJECT_REFERENCE: Message = Message {
    name: "BoundObjectReference",
    fields: &[
        omit_zero(1, "kind", Ty::String),
        omit_zero(2, "apiVersion", Ty::String),
        omit_zero(3, "name", Ty::String),
        omit_zero(4, "uid", Ty::String),
    ],
};

pub(super) static AUTHENTICATION_V1_SELF_SUBJECT_REVIEW: Message = Message {
    name: "SelfSubjectReview",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(
            2,
            "status",
            Ty::Msg(&AUTHENTICATION_V1_SELF_SUBJECT_REVIEW_STATUS),
        ),
    ],
};

pub(super) static AUTHENTICATION_V1_SELF_SUBJECT_REVIEW_STATUS: Message = Message {
    name: "SelfSubjectReviewStatus",
    fields: &[field(1, "userInfo", Ty::Msg(&AUTHENTICATION_V1_USER_INFO))],
};

pub(super) static AUTHENTICATION_V1_TOKEN_REQUEST: Message = Message {
    name: "TokenRequest",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(2, "spec", Ty::Msg(&AUTHENTICATION_V1_TOKEN_REQUEST_SPEC)),
        field(
            3,
            "status",
            Ty::Msg(&AUTHENTICATION_V1_TOKEN_REQUEST_STATUS),
        ),
    ],
};

pub(super) static AUTHENTICATION_V1_TOKEN_REQUEST_SPEC: Message = Message {
    name: "TokenRequestSpec",
    fields: &[
        list_or_null(1, "audiences", Ty::String),
        field_or_null(
            3,
            "boundObjectRef",
            Ty::Msg(&AUTHENTICATION_V1_BOUND_OBJECT_REFERENCE),
        ),
        field_or_null(4, "expirationSeconds", Ty::Int64),
        map(5, "attestations", Ty::StringList),
    ],
};

pub(super) static AUTHENTICATION_V1_TOKEN_REQUEST_STATUS: Message = Message {
    name: "TokenRequestStatus",
    fields: &[
        field(1, "token", Ty::String),
        field(2, "expirationTimestamp", Ty::Time),
    ],
};

pub(super) static AUTHENTICATION_V1_USER_INFO: Message = Message {
    name: "UserInfo",
    fields: &[
        omit_zero(1, "username", Ty::String),
        omit_zero(2, "uid", Ty::String),
        list(3, "groups", Ty::String),
        map(4, "extra", Ty::StringList),
    ],
};

// ---- k8s.io.api.authorization.v1: field numbers from kubernetes/api/authorization/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/api/authorization/v1/types.go.

pub(super) static AUTHORIZATION_V1_FIELD_SELECTOR_ATTRIBUTES: Message = Message {
    name: "FieldSelectorAttributes",
    fields: &[
        omit_zero(1, "rawSelector", Ty::String),
        list(
            2,
            "requirements",
            Ty::Msg(&META_V1_FIELD_SELECTOR_REQUIREMENT),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_LABEL_SELECTOR_ATTRIBUTES: Message = Message {
    name: "LabelSelectorAttributes",
    fields: &[
        omit_zero(1, "rawSelector", Ty::String),
        list(
            2,
            "requirements",
            Ty::Msg(&META_V1_LABEL_SELECTOR_REQUIREMENT),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_NON_RESOURCE_ATTRIBUTES: Message = Message {
    name: "NonResourceAttributes",
    fields: &[
        omit_zero(1, "path", Ty::String),
        omit_zero(2, "verb", Ty::String),
    ],
};

pub(super) static AUTHORIZATION_V1_NON_RESOURCE_RULE: Message = Message {
    name: "NonResourceRule",
    fields: &[
        list_or_null(1, "verbs", Ty::String),
        list(2, "nonResourceURLs", Ty::String),
    ],
};

pub(super) static AUTHORIZATION_V1_RESOURCE_ATTRIBUTES: Message = Message {
    name: "ResourceAttributes",
    fields: &[
        omit_zero(1, "namespace", Ty::String),
        omit_zero(2, "verb", Ty::String),
        omit_zero(3, "group", Ty::String),
        omit_zero(4, "version", Ty::String),
        omit_zero(5, "resource", Ty::String),
        omit_zero(6, "subresource", Ty::String),
        omit_zero(7, "name", Ty::String),
        field(
            8,
            "fieldSelector",
            Ty::Msg(&AUTHORIZATION_V1_FIELD_SELECTOR_ATTRIBUTES),
        ),
        field(
            9,
            "labelSelector",
            Ty::Msg(&AUTHORIZATION_V1_LABEL_SELECTOR_ATTRIBUTES),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_RESOURCE_RULE: Message = Message {
    name: "ResourceRule",
    fields: &[
        list_or_null(1, "verbs", Ty::String),
        list(2, "apiGroups", Ty::String),
        list(3, "resources", Ty::String),
        list(4, "resourceNames", Ty::String),
    ],
};

pub(super) static AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW: Message = Message {
    name: "SelfSubjectAccessReview",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(
            2,
            "spec",
            Ty::Msg(&AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW_SPEC),
        ),
        field(
            3,
            "status",
            Ty::Msg(&AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW_SPEC: Message = Message {
    name: "SelfSubjectAccessReviewSpec",
    fields: &[
        field(
            1,
            "resourceAttributes",
            Ty::Msg(&AUTHORIZATION_V1_RESOURCE_ATTRIBUTES),
        ),
        field(
            2,
            "nonResourceAttributes",
            Ty::Msg(&AUTHORIZATION_V1_NON_RESOURCE_ATTRIBUTES),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW: Message = Message {
    name: "SelfSubjectRulesReview",
    fields: &[
        field(1, "metadata", Ty::Msg(&META_V1_OBJECT_META)),
        field(
            2,
            "spec",
            Ty::Msg(&AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW_SPEC),
        ),
        field(
            3,
            "status",
            Ty::Msg(&AUTHORIZATION_V1_SUBJECT_RULES_REVIEW_STATUS),
        ),
    ],
};

pub(super) static AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW_SPEC: Message = Message {
    name: "SelfSubjectRulesReviewSpec",
    fields: &[omit_zero(1, "namespace", Ty::String)],
};

pub(super) static AUTHORIZATION_V1_SUBJECT_ACCESS_REVIEW_STATUS: Message = Message {
    name: "SubjectAccessReviewStatus",
    fields: &[
        field(1, "allowed", Ty::Bool),
        omit_zero(2, "reason", Ty::String),
        omit_zero(3, "evaluationError", Ty::String),
        omit_zero(4, "denied", Ty::Bool),
    ],
};

pub(super) static AUTHORIZATION_V1_SUBJECT_RULES_REVIEW_STATUS: Message = Message {
    name: "SubjectRulesReviewStatus",
    fields: &[
        list_or_null(1, "resourceRules", Ty::Msg(&AUTHORIZATION_V1_RESOURCE_RULE)),
        list_or_null(
            2,
            "nonResourceRules",
            Ty::Msg(&AUTHORIZATION_V1_NON_RESOURCE_RULE),
        ),
        field(3, "incomplete", Ty::Bool),
        omit_zero(4, "evaluationError", Ty::String),
    ],
};

// ---- k8s.io.apimachinery.pkg.apis.meta.v1: field numbers from kubernetes/apimachinery/pkg/apis/meta/v1/generated.proto, JSON names and
// ---- omission rules from the struct tags in kubernetes/apimachinery/pkg/apis/meta/v1/types.go.

pub(super) static META_V1_CONDITION: Message = Message {
    name: "Condition",
    fields: &[
        field(1, "type", Ty::String),
        field(2, "status", Ty::String),
        omit_zero(3, "observedGeneration", Ty::Int64),
        field(4, "lastTransitionTime", Ty::Time),
        field(5, "reason", Ty::String),
        field(6, "message", Ty::String),
    ],
};

pub(super) static META_V1_DELETE_OPTIONS: Message = Message {
    name: "DeleteOptions",
    fields: &[
        field(1, "gracePeriodSeconds", Ty::Int64),
        field(2, "preconditions", Ty::Msg(&META_V1_PRECONDITIONS)),
        field(3, "orphanDependents", Ty::Bool),
        field(4, "propagationPolicy", Ty::String),
        list(5, "dryRun", Ty::String),
        field(
            6,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            Ty::Bool,
        ),
    ],
};

pub(super) static META_V1_FIELD_SELECTOR_REQUIREMENT: Message = Message {
    name: "FieldSelectorRequirement",
    fields: &[
        field(1, "key", Ty::String),
        field(2, "operator", Ty::String),
        list(3, "values", Ty::String),
    ],
};

pub(super) static META_V1_LABEL_SELECTOR: Message = Message {
    name: "LabelSelector",
    fields: &[
        map(1, "matchLabels", Ty::String),
        list(
            2,
            "matchExpressions",
            Ty::Msg(&META_V1_LABEL_SELECTOR_REQUIREMENT),
        ),
    ],
};

pub(super) static META_V1_LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "LabelSelectorRequirement",
    fields: &[
        field(1, "key", Ty::String),
        field(2, "operator", Ty::String),
        list(3, "values", Ty::String),
    ],
};

pub(super) static META_V1_MANAGED_FIELDS_ENTRY: Message = Message {
    name: "ManagedFieldsEntry",
    fields: &[
        omit_zero(1, "manager", Ty::String),
        omit_zero(2, "operation", Ty::String),
        omit_zero(3, "apiVersion", Ty::String),
        field(4, "time", Ty::Time),
        omit_zero(6, "fieldsType", Ty::String),
        field(7, "fieldsV1", Ty::FieldsV1),
        omit_zero(8, "subresource", Ty::String),
    ],
};

pub(super) static META_V1_OBJECT_META: Message = Message {
    name: "ObjectMeta",
    fields: &[
        omit_zero(1, "name", Ty::String),
        omit_zero(2, "generateName", Ty::String),
        omit_zero(3, "namespace", Ty::String),
        omit_zero(4, "selfLink", Ty::String),
        omit_zero(5, "uid", Ty::String),
        omit_zero(6, "resourceVersion", Ty::String),
        omit_zero(7, "generation", Ty::Int64),
        field(8, "creationTimestamp", Ty::Time),
        field(9, "deletionTimestamp", Ty::Time),
        field(10, "deletionGracePeriodSeconds", Ty::Int64),
        map(11, "labels", Ty::String),
        map(12, "annotations", Ty::String),
        list(13, "ownerReferences", Ty::Msg(&META_V1_OWNER_REFERENCE)),
        list(14, "finalizers", Ty::String),
        list(17, "managedFields", Ty::Msg(&META_V1_MANAGED_FIELDS_ENTRY)),
    ],
};

pub(super) static META_V1_OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    fields: &[
        field(1, "kind", Ty::String),
        field(3, "name", Ty::String),
        field(4, "uid", Ty::String),
        field(5, "apiVersion", Ty::String),
        field(6, "controller", Ty::Bool),
        field(7, "blockOwnerDeletion", Ty::Bool),
    ],
};

pub(super) static META_V1_PRECONDITIONS: Message = Message {
    name: "Preconditions",
    fields: &[
        field(1, "uid", Ty::String),
        field(2, "resourceVersion", Ty::String),
    ],
};

/// Every top-level kind this module decodes: `(apiVersion, kind, schema)`.
pub(super) static KINDS: &[(&str, &str, &Message)] = &[
    ("v1", "Namespace", &CORE_V1_NAMESPACE),
    ("v1", "ConfigMap", &CORE_V1_CONFIG_MAP),
    ("v1", "Secret", &CORE_V1_SECRET),
    ("v1", "ServiceAccount", &CORE_V1_SERVICE_ACCOUNT),
    ("v1", "Service", &CORE_V1_SERVICE),
    ("v1", "Pod", &CORE_V1_POD),
    ("v1", "ResourceQuota", &CORE_V1_RESOURCE_QUOTA),
    ("apps/v1", "Deployment", &APPS_V1_DEPLOYMENT),
    ("batch/v1", "Job", &BATCH_V1_JOB),
    ("batch/v1", "CronJob", &BATCH_V1_CRON_JOB),
    (
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        &AUTOSCALING_V1_HORIZONTAL_POD_AUTOSCALER,
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        &POLICY_V1_POD_DISRUPTION_BUDGET,
    ),
    ("policy/v1", "Eviction", &POLICY_V1_EVICTION),
    ("rbac.authorization.k8s.io/v1", "Role", &RBAC_V1_ROLE),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        &RBAC_V1_CLUSTER_ROLE,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        &RBAC_V1_ROLE_BINDING,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &RBAC_V1_CLUSTER_ROLE_BINDING,
    ),
    ("networking.k8s.io/v1", "Ingress", &NETWORKING_V1_INGRESS),
    (
        "scheduling.k8s.io/v1",
        "PriorityClass",
        &SCHEDULING_V1_PRIORITY_CLASS,
    ),
    (
        "authentication.k8s.io/v1",
        "TokenRequest",
        &AUTHENTICATION_V1_TOKEN_REQUEST,
    ),
    (
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
        &AUTHENTICATION_V1_SELF_SUBJECT_REVIEW,
    ),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &AUTHORIZATION_V1_SELF_SUBJECT_ACCESS_REVIEW,
    ),
    (
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &AUTHORIZATION_V1_SELF_SUBJECT_RULES_REVIEW,
    ),
    ("meta.k8s.io/v1", "DeleteOptions", &META_V1_DELETE_OPTIONS),
];
