{{/* Labels for the stack-level resources (the subcharts label their own). */}}
{{- define "ml-serving-stack.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
environment: {{ .Values.global.environment }}
{{- end }}

{{/* Name of a component's Service: <release>-<component>, as the subcharts name them. */}}
{{- define "ml-serving-stack.componentName" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- if contains $component $root.Release.Name }}
{{- $root.Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" $root.Release.Name $component | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
