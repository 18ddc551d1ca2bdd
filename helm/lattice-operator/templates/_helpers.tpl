{{/* The chart's name (label app.kubernetes.io/name): nameOverride or the chart's own. */}}
{{- define "lattice-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of the chart's namespaced objects. The spec's install (release `operator`)
gives a Deployment named `lattice-operator`, so the name does not embed the
release name: it is fullnameOverride, else the name above. Override one of them
to run two releases side by side in one namespace.
*/}}
{{- define "lattice-operator.fullname" -}}
{{- default (include "lattice-operator.name" .) .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of cluster-scoped objects (ClusterRole, ClusterRoleBinding): suffixed with
the release namespace so releases in two namespaces (e.g. two groups) never clash.
*/}}
{{- define "lattice-operator.clusterName" -}}
{{- printf "%s-%s" (include "lattice-operator.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lattice-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lattice-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lattice-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lattice-operator.labels" -}}
helm.sh/chart: {{ include "lattice-operator.chart" . }}
{{ include "lattice-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lattice
{{- end }}

{{- define "lattice-operator.serviceAccountName" -}}
{{- include "lattice-operator.fullname" . }}
{{- end }}

{{/* The image reference: `image` as given when it carries a tag or digest, else image:imageTag (appVersion). */}}
{{- define "lattice-operator.image" -}}
{{- $image := .Values.image }}
{{- $last := last (splitList "/" $image) }}
{{- if or (contains "@" $image) (contains ":" $last) }}
{{- $image }}
{{- else }}
{{- printf "%s:%s" $image (default .Chart.AppVersion .Values.imageTag) }}
{{- end }}
{{- end }}

{{/*
Registry host of the image, as Docker names it: the first path segment when it
looks like a host (has a dot or a port, or is localhost), else Docker Hub.
*/}}
{{- define "lattice-operator.registry" -}}
{{- $parts := splitList "/" .Values.image }}
{{- $first := first $parts }}
{{- if and (gt (len $parts) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) }}
{{- $first }}
{{- else }}
{{- "https://index.docker.io/v1/" }}
{{- end }}
{{- end }}

{{/* Registry credentials are set: both or neither (checked here with a clear message). */}}
{{- define "lattice-operator.hasCredentials" -}}
{{- $user := toString .Values.jfrog.username }}
{{- $password := toString .Values.jfrog.password }}
{{- if and $user $password }}true
{{- else if or $user $password }}
{{- fail "jfrog.username and jfrog.password must be set together (or both left empty for a public image)" }}
{{- end }}
{{- end }}

{{- define "lattice-operator.licenseSecretName" -}}
{{- printf "%s-license" (include "lattice-operator.fullname" .) }}
{{- end }}

{{/* Leader election is on whenever more than one replica runs. */}}
{{- define "lattice-operator.leaderElect" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end }}
{{- end }}
