{{- define "shiplog.labels" -}}
app.kubernetes.io/name: shiplog
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "shiplog.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{/* The database URL and secret key, from Secrets. */}}
{{- define "shiplog.dbEnv" -}}
- name: SHIPLOG_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.secretName }}
      key: {{ .Values.database.secretKey }}
- name: SHIPLOG_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secretKey.secretName }}
      key: {{ .Values.secretKey.secretKey }}
{{- end }}

{{- define "shiplog.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}
