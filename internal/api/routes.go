package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// route is one entry of the route table the mux and the OpenAPI document
// are both built from.
type route struct {
	Method, Path string
	Scope        apiwire.Scope
	ID           string // OpenAPI operationId
	Summary      string
	Query        []param
	// Headers are request headers the route reads (documented).
	Headers []param
	// Body is the JSON request body's type (a zero value), nil for none;
	// BodyOptional marks a body that may be left out.
	Body         any
	BodyOptional bool
	// BodyDoc describes a body that is not a JSON object of a known type;
	// BodyMedia is its media type when it is not JSON (a binary string).
	BodyDoc   string
	BodyMedia string
	Status    int
	// Resp is the success response's type; nil with RespMedia for
	// non-JSON answers, nil alone for none.
	Resp      any
	RespMedia string
	RespDoc   string
	// Errors lists the error statuses the route answers with (besides 401
	// and 403, added for every route that needs a scope).
	Errors []int
	handle func(*Server, http.ResponseWriter, *http.Request)
}

type param struct {
	Name, Desc string
	Type       string // string (default), integer, boolean
	Required   bool
}

var (
	pCursor = param{Name: "cursor", Desc: "next_cursor of the previous page"}
	pLimit  = param{Name: "limit", Type: "integer", Desc: "page size, default 50, at most 500"}
)

// routes is the API: every route the server has, and nothing else.
func routes() []route {
	return []route{
		{Method: "GET", Path: "/healthz", ID: "healthz", Summary: "The process is up.",
			Status: 200, Resp: apiwire.Health{}, handle: (*Server).healthz},
		{Method: "GET", Path: "/readyz", ID: "readyz", Summary: "The database is reachable and its migrations are current.",
			Status: 200, Resp: apiwire.Health{}, Errors: []int{503}, handle: (*Server).readyz},
		{Method: "GET", Path: "/metrics", ID: "metrics", Summary: "Prometheus metrics (text exposition format).",
			Status: 200, RespMedia: "text/plain; version=0.0.4", RespDoc: "Prometheus text format", handle: (*Server).serveMetrics},
		{Method: "GET", Path: "/api/v1/openapi.json", Scope: apiwire.ScopeRead, ID: "openapi", Summary: "This document.",
			Status: 200, RespMedia: "application/json", RespDoc: "OpenAPI 3.1 document", handle: (*Server).openAPI},

		{Method: "GET", Path: "/api/v1/environments", Scope: apiwire.ScopeRead, ID: "listEnvironments", Summary: "List environments by name.",
			Status: 200, Resp: apiwire.EnvironmentList{}, handle: (*Server).listEnvironments},
		{Method: "POST", Path: "/api/v1/environments", Scope: service.EnvironmentScope, ID: "createEnvironment", Summary: "Create an environment.",
			Body: apiwire.EnvironmentRequest{}, Status: 201, Resp: apiwire.Environment{}, Errors: []int{400, 409, 413}, handle: (*Server).createEnvironment},
		{Method: "GET", Path: "/api/v1/environments/{name}", Scope: apiwire.ScopeRead, ID: "getEnvironment", Summary: "One environment.",
			Status: 200, Resp: apiwire.Environment{}, Errors: []int{404}, handle: (*Server).getEnvironment},
		{Method: "PUT", Path: "/api/v1/environments/{name}", Scope: service.EnvironmentScope, ID: "updateEnvironment",
			Summary: "Replace an environment's settings (a sensitive variable sent without a value keeps its value).",
			Body:    apiwire.EnvironmentRequest{}, Status: 200, Resp: apiwire.Environment{}, Errors: []int{400, 404, 413}, handle: (*Server).updateEnvironment},
		{Method: "DELETE", Path: "/api/v1/environments/{name}", Scope: service.EnvironmentScope, ID: "deleteEnvironment",
			Summary: "Delete an environment. Refused (409, naming the release) while a release of it is QUEUED, IN_PROGRESS or PENDING_APPROVAL; " +
				"refused (409) while it has history (releases, state versions, outputs) unless force=true, which deletes that history with it.",
			Query:  []param{{Name: "force", Type: "boolean", Desc: "also delete the environment's releases, state versions and outputs"}},
			Status: 200, Resp: apiwire.EnvironmentDeleted{}, Errors: []int{400, 404, 409}, handle: (*Server).deleteEnvironment},
		{Method: "GET", Path: "/api/v1/environments/{name}/queue", Scope: apiwire.ScopeRead, ID: "environmentQueue",
			Summary: "An environment's releases that have not finished, in the order they run, each with what it waits for; abort a queued one to cancel it.",
			Status:  200, Resp: apiwire.Queue{}, Errors: []int{404}, handle: (*Server).environmentQueue},
		{Method: "GET", Path: "/api/v1/environments/{name}/unpromoted", Scope: apiwire.ScopeRead, ID: "unpromotedReleases",
			Summary: "What is upstream of the environment and not promoted yet: SUCCEEDED applies of its upstream newer than the newest it ran by promotion, newest first, each with its sign-off and whether the environment would take it now.",
			Status:  200, Resp: apiwire.Unpromoted{}, Errors: []int{404}, handle: (*Server).unpromotedReleases},
		{Method: "GET", Path: "/api/v1/environments/{name}/lock", Scope: apiwire.ScopeRead, ID: "stateLock",
			Summary: "Whether the environment's state is locked, and by which lock (terraform's lock ID) and release.",
			Status:  200, Resp: apiwire.StateLockStatus{}, Errors: []int{404}, handle: (*Server).stateLock},
		{Method: "POST", Path: "/api/v1/environments/{name}/unlock", Scope: service.EnvironmentScope, ID: "unlockState",
			Summary: "Release a stuck state lock (what terraform force-unlock does; shiplog is the backend), recorded as a finished UNLOCK release of the environment: who, why and which lock. lock_id and reason are required; 409 when the state is not locked by that lock.",
			Body:    apiwire.UnlockRequest{}, Status: 201, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).unlockState},
		{Method: "POST", Path: "/api/v1/environments/{name}/pause", Scope: service.EnvironmentScope, ID: "pauseEnvironment",
			Summary: "Pause an environment: its queued releases, and those created meanwhile, wait in order until it is resumed (a running release goes on). The reason is required and shown with them.",
			Body:    apiwire.PauseRequest{}, Status: 200, Resp: apiwire.Environment{}, Errors: []int{400, 404, 409, 413}, handle: (*Server).pauseEnvironment},
		{Method: "POST", Path: "/api/v1/environments/{name}/resume", Scope: service.EnvironmentScope, ID: "resumeEnvironment",
			Summary: "Resume a paused environment: its queued releases run in the order they were queued.",
			Status:  200, Resp: apiwire.Environment{}, Errors: []int{404, 409}, handle: (*Server).resumeEnvironment},
		{Method: "GET", Path: "/api/v1/environments/{name}/schedules", Scope: apiwire.ScopeRead, ID: "listSchedules",
			Summary: "The environment's schedules by name, each with when it fires next, the release it last queued and why its last tick queued nothing (if so).",
			Status:  200, Resp: apiwire.ScheduleList{}, Errors: []int{404}, handle: (*Server).listSchedules},
		{Method: "POST", Path: "/api/v1/environments/{name}/schedules", Scope: service.ScheduleScope, ID: "createSchedule",
			Summary: "Create a schedule: a release of the environment with the template at each tick of the cron expression (five fields or @daily, @hourly, …) in the IANA time zone (UTC by default). Missed ticks run once; a tick whose previous release is still QUEUED queues nothing. Audited schedule.create.",
			Body:    apiwire.ScheduleRequest{}, Status: 201, Resp: release.Schedule{}, Errors: []int{400, 404, 409, 413}, handle: (*Server).createSchedule},
		{Method: "POST", Path: "/api/v1/environments/{name}/schedules/{id}/enable", Scope: service.ScheduleScope, ID: "enableSchedule",
			Summary: "Enable a schedule: it fires next at its first tick from now (ticks missed while disabled are not run). Audited schedule.enable.",
			Status:  200, Resp: release.Schedule{}, Errors: []int{400, 404}, handle: (*Server).enableSchedule},
		{Method: "POST", Path: "/api/v1/environments/{name}/schedules/{id}/disable", Scope: service.ScheduleScope, ID: "disableSchedule",
			Summary: "Disable a schedule: it fires no more until enabled. Audited schedule.disable.",
			Status:  200, Resp: release.Schedule{}, Errors: []int{400, 404}, handle: (*Server).disableSchedule},
		{Method: "DELETE", Path: "/api/v1/environments/{name}/schedules/{id}", Scope: service.ScheduleScope, ID: "deleteSchedule",
			Summary: "Delete a schedule; the releases it queued stay. Audited schedule.delete.",
			Status:  204, Errors: []int{400, 404}, handle: (*Server).deleteSchedule},
		{Method: "GET", Path: "/api/v1/environments/{name}/resources", Scope: apiwire.ScopeRead, ID: "listResources",
			Summary: "Resource status of an environment.", Query: []param{{Name: "address", Desc: "one resource address"}},
			Status: 200, Resp: apiwire.ResourceList{}, Errors: []int{404}, handle: (*Server).listResources},
		{Method: "GET", Path: "/api/v1/environments/{name}/outputs", Scope: apiwire.ScopeRead, ID: "listOutputs",
			Summary: "The environment's output values as its last successful apply left them (a sensitive output's value is never shown).",
			Status:  200, Resp: apiwire.OutputList{}, Errors: []int{404}, handle: (*Server).listOutputs},
		{Method: "GET", Path: "/api/v1/environments/{name}/states", Scope: apiwire.ScopeRead, ID: "listStates",
			Summary: "The environment's Terraform state versions kept by shiplog, newest first: serial, lineage, release, time, size, resource count (never the state).",
			Query:   []param{pLimit}, Status: 200, Resp: apiwire.StateVersionList{}, Errors: []int{400, 404}, handle: (*Server).listStates},
		{Method: "POST", Path: "/api/v1/environments/{name}/resources/health", Scope: apiwire.ScopeWrite, ID: "reportHealth",
			Summary: "Report a resource's health.", Body: apiwire.HealthReport{}, Status: 200, Resp: apiwire.ResourceList{},
			Errors: []int{400, 404, 413}, handle: (*Server).reportHealth},
		{Method: "POST", Path: "/api/v1/environments/{name}/configurations", Scope: apiwire.ScopeWrite, ID: "pushConfiguration",
			Summary:   "Upload a configuration archive for an environment whose source is upload; stored as a blueprint named by its content hash, it becomes the environment's newest upload (201; 200 when that content was stored already).",
			BodyDoc:   "tar.gz of the configuration: regular files and directories only, paths inside the archive, at most 16 MiB compressed and 64 MiB of files",
			BodyMedia: "application/gzip", Status: 201, Resp: apiwire.Configuration{}, Errors: []int{400, 404, 409, 413}, handle: (*Server).pushConfiguration},
		{Method: "POST", Path: "/api/v1/environments/{name}/plans", Scope: apiwire.ScopeWrite, ID: "recordPlan",
			Summary: "Record a plan produced elsewhere (the JSON of `terraform show -json PLANFILE`) as a finished PLAN release of the environment; nothing is queued.",
			Query: []param{
				{Name: "template", Desc: "template of the record (default full-plan)"},
				{Name: "phase", Desc: "the template's phase the plan belongs to (default: its first plan phase)"},
				{Name: "blueprint_version", Desc: "configuration version the plan was made from"},
			},
			BodyDoc: "plan JSON (`terraform show -json PLANFILE`), at most 64 MiB", Status: 201, Resp: releaseT,
			Errors: []int{400, 404, 413}, handle: (*Server).recordPlan},

		{Method: "GET", Path: "/api/v1/templates", Scope: apiwire.ScopeRead, ID: "listTemplates",
			Summary: "The release templates the server knows (built-in and --templates-dir), by namespace and name.",
			Status:  200, Resp: apiwire.TemplateList{}, handle: (*Server).listTemplates},
		{Method: "GET", Path: "/api/v1/templates/{namespace}/{name}", Scope: apiwire.ScopeRead, ID: "getTemplate",
			Summary: "One release template.", Status: 200, Resp: apiwire.TemplateInfo{}, Errors: []int{404}, handle: (*Server).getTemplate},
		{Method: "GET", Path: "/api/v1/releases", Scope: apiwire.ScopeRead, ID: "listReleases", Summary: "List releases, newest first.",
			Query: []param{
				{Name: "environment"}, {Name: "status", Desc: "comma-separated statuses"}, {Name: "template"},
				{Name: "deployment_type"}, {Name: "release_type", Desc: "PLAN, APPLY or DESTROY"}, {Name: "triggered_by"},
				{Name: "created_after", Desc: "RFC 3339 time, inclusive"}, {Name: "created_before", Desc: "RFC 3339 time, exclusive"},
				pCursor, pLimit,
			},
			Status: 200, Resp: apiwire.ReleaseList{}, Errors: []int{400}, handle: (*Server).listReleases},
		{Method: "POST", Path: "/api/v1/releases", Scope: apiwire.ScopeWrite, ID: "createRelease", Summary: "Queue a release.",
			Body: apiwire.CreateReleaseRequest{}, Status: 201, Resp: releaseT, Errors: []int{400, 413}, handle: (*Server).createRelease},
		{Method: "GET", Path: "/api/v1/releases/{id}", Scope: apiwire.ScopeRead, ID: "getRelease", Summary: "One release.",
			Status: 200, Resp: releaseT, Errors: []int{400, 404}, handle: (*Server).getRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/approve", Scope: service.ApproveScope, ID: "approveRelease",
			Summary: "Approve a release waiting for approval: it is queued again.", Body: apiwire.CommentRequest{}, BodyOptional: true,
			Status: 200, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).approveRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/reject", Scope: service.ApproveScope, ID: "rejectRelease",
			Summary: "Reject a release waiting for approval.", Body: apiwire.CommentRequest{}, BodyOptional: true,
			Status: 200, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).rejectRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/abort", Scope: service.AbortScope, ID: "abortRelease",
			Summary: "Abort a release: at once if it waits, through its worker if it runs.", Body: apiwire.CommentRequest{}, BodyOptional: true,
			Status: 200, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).abortRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/signoff", Scope: service.SignOffScope, ID: "signOffRelease",
			Summary: "Sign off a finished release (once).", Body: apiwire.SignOffRequest{},
			Status: 200, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).signOffRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/rollback", Scope: service.RollbackScope, ID: "rollbackRelease",
			Summary: "Queue a ROLLBACK release that re-applies this earlier SUCCEEDED apply: its blueprint version, artifacts, targets and variables.",
			Status:  201, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).rollbackRelease},
		{Method: "POST", Path: "/api/v1/releases/{id}/apply-plan", Scope: service.ApplyPlanScope, ID: "applySavedPlan",
			Summary: "Queue a release that applies exactly the plan this PLAN release saved (applies_plan_of); 409 when the plan release did not succeed, saved no plan, is older than the maximum age (24 hours), or the environment's state moved since the plan.",
			Status:  201, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).applySavedPlan},
		{Method: "POST", Path: "/api/v1/releases/{id}/promote", Scope: service.PromoteScope, ID: "promoteRelease",
			Summary: "Promote this SUCCEEDED apply downstream: queue a release of the environment whose upstream is this release's (or the one named) that runs exactly its blueprint version, artifacts and variables (promoted_from); 409 when it did not succeed, or the environment requires upstream sign-off and this release is not signed off APPROVED.",
			Body:    apiwire.PromoteRequest{}, BodyOptional: true,
			Status: 201, Resp: releaseT, Errors: []int{400, 404, 409}, handle: (*Server).promoteRelease},
		{Method: "GET", Path: "/api/v1/releases/{id}/changes", Scope: apiwire.ScopeRead, ID: "listChanges", Summary: "A release's planned changes.",
			Query: []param{
				{Name: "kind", Desc: "resource (default), output or drift"}, {Name: "phase"},
				{Name: "action", Desc: "create, update, delete, replace, read, no-op or forget"},
				{Name: "type", Desc: "resource type"}, {Name: "module", Desc: `module address, or "root"`},
				{Name: "address_prefix"}, {Name: "all", Type: "boolean", Desc: "list plain no-op changes too (a no-op that moves, imports or concerns a deposed object is always listed)"},
				pCursor, pLimit,
			},
			Status: 200, Resp: apiwire.ChangeList{}, Errors: []int{400, 404}, handle: (*Server).listChanges},
		{Method: "POST", Path: "/api/v1/releases/{id}/plan", Scope: apiwire.ScopeWrite, ID: "ingestPlan",
			Summary: "Store a plan produced elsewhere as the changes of one phase of a release that has not run (PENDING), or of a recorded PLAN (replacing what it had); 409 for a phase that ran: its changes are history.",
			Query:   []param{{Name: "phase", Desc: "phase name (default plan)"}},
			BodyDoc: "plan JSON (`terraform show -json PLANFILE`), at most 64 MiB", Status: 200, Resp: apiwire.PlanResult{},
			Errors: []int{400, 404, 409, 413}, handle: (*Server).ingestPlan},
		{Method: "GET", Path: "/api/v1/releases/{id}/logs", Scope: apiwire.ScopeRead, ID: "listLogs", Summary: "A page of a release's log.",
			Query:  []param{{Name: "phase"}, {Name: "cursor", Desc: "seq to continue after (next_cursor of the previous page)"}, pLimit},
			Status: 200, Resp: apiwire.LogPage{}, Errors: []int{400, 404}, handle: (*Server).listLogs},
		{Method: "GET", Path: "/api/v1/releases/{id}/logs/stream", Scope: apiwire.ScopeRead, ID: "streamLogs",
			Summary: "Follow a release's log live (Server-Sent Events).",
			Query: []param{{Name: "cursor", Desc: "seq to start after (default 0: from the start)"},
				{Name: "until", Desc: "`finished` (default): end once the release is finished; `settled`: also end when it waits for approval"}},
			Headers: []param{{Name: "Last-Event-ID", Desc: "seq to resume after; wins over cursor"}},
			Status:  200, RespMedia: "text/event-stream",
			RespDoc: "`event: log` with `id: <seq>` and a LogEntry as data; `: keep-alive` comments; " +
				"`event: end` (StreamEnd) once the release is finished (with until=settled: or waits for approval) and every line was sent; " +
				"`event: timeout` (StreamTimeout) after the longest stream time or at shutdown, with the cursor to resume from; " +
				"`event: revoked` (StreamRevoked) when the token the stream was opened with is revoked.",
			Errors: []int{400, 404}, handle: (*Server).streamLogs},

		{Method: "GET", Path: "/api/v1/releases/{id}/logs/index", Scope: apiwire.ScopeRead, ID: "logIndex",
			Summary: "Where each phase's lines are in a release's log (seq range, count, phase status).",
			Status:  200, Resp: apiwire.LogIndex{}, Errors: []int{400, 404}, handle: (*Server).logIndex},
		{Method: "GET", Path: "/api/v1/releases/{id}/logs/search", Scope: apiwire.ScopeRead, ID: "searchLogs",
			Summary: "Lines of a release's log holding a text (case-insensitive), in order.",
			Query: []param{{Name: "q", Desc: "text to look for", Required: true}, {Name: "phase"},
				{Name: "limit", Type: "integer", Desc: "most matches listed, default 1000, at most 10000"},
				{Name: "lines", Type: "boolean", Desc: "also return the matching lines themselves (entries), for an only-matching view"}},
			Status: 200, Resp: apiwire.LogSearch{}, Errors: []int{400, 404}, handle: (*Server).searchLogs},
		{Method: "GET", Path: "/api/v1/releases/{id}/logs/raw", Scope: apiwire.ScopeRead, ID: "rawLogs",
			Summary: "A release's log (or one phase's) as plain text, streamed.",
			Query: []param{{Name: "phase"}, {Name: "timestamps", Type: "boolean", Desc: "start each line with its RFC 3339 time"},
				{Name: "download", Type: "boolean", Desc: "answer as a file to save"}},
			Status: 200, RespMedia: "text/plain", RespDoc: "one log line per line", Errors: []int{400, 404}, handle: (*Server).rawLogs},
		{Method: "GET", Path: "/api/v1/releases/{id}/changes/facets", Scope: apiwire.ScopeRead, ID: "changeFacets",
			Summary: "How many changes of a kind a release has, by action, module and type.",
			Query:   []param{{Name: "kind", Desc: "resource (default), output or drift"}},
			Status:  200, Resp: apiwire.ChangeFacets{}, Errors: []int{400, 404}, handle: (*Server).changeFacets},
		{Method: "GET", Path: "/api/v1/releases/{id}/deployments", Scope: apiwire.ScopeRead, ID: "releaseDeployments",
			Summary: "The application deployments a release made.",
			Status:  200, Resp: apiwire.DeploymentList{}, Errors: []int{400, 404}, handle: (*Server).releaseDeployments},
		{Method: "GET", Path: "/api/v1/environments/{name}/resources/history", Scope: apiwire.ScopeRead, ID: "resourceHistory",
			Summary: "Every change releases of an environment planned for one resource address, newest first.",
			Query:   []param{{Name: "address", Desc: "the resource address", Required: true}, pLimit},
			Status:  200, Resp: apiwire.ResourceHistory{}, Errors: []int{400, 404}, handle: (*Server).resourceHistory},

		{Method: "GET", Path: "/api/v1/artifacts", Scope: apiwire.ScopeRead, ID: "listArtifacts", Summary: "List artifacts, newest first.",
			Query: []param{{Name: "app_name"}, {Name: "stack_name"}, {Name: "build_id"},
				{Name: "deployed_to", Desc: "environment: only artifacts that went out in a SUCCEEDED apply there"}, pCursor, pLimit},
			Status: 200, Resp: apiwire.ArtifactList{}, Errors: []int{400, 404}, handle: (*Server).listArtifacts},
		{Method: "POST", Path: "/api/v1/artifacts", Scope: apiwire.ScopeWrite, ID: "registerArtifact", Summary: "Register an artifact.",
			Body: apiwire.ArtifactRequest{}, Status: 201, Resp: artifactT, Errors: []int{400, 413}, handle: (*Server).registerArtifact},
		{Method: "GET", Path: "/api/v1/artifacts/latest", Scope: apiwire.ScopeRead, ID: "latestArtifact",
			Summary: "The newest artifact of an app and stack.", Query: []param{{Name: "app_name"}, {Name: "stack_name"},
				{Name: "deployed_to", Desc: "environment: only artifacts that went out in a SUCCEEDED apply there"}},
			Status: 200, Resp: artifactT, Errors: []int{404}, handle: (*Server).latestArtifact},
		{Method: "GET", Path: "/api/v1/artifacts/{id}", Scope: apiwire.ScopeRead, ID: "getArtifact", Summary: "One artifact.",
			Status: 200, Resp: artifactT, Errors: []int{400, 404}, handle: (*Server).getArtifact},

		{Method: "GET", Path: "/api/v1/tokens", Scope: apiwire.ScopeAdmin, ID: "listTokens", Summary: "List tokens (never their secrets).",
			Status: 200, Resp: apiwire.TokenList{}, handle: (*Server).listTokens},
		{Method: "POST", Path: "/api/v1/tokens", Scope: apiwire.ScopeAdmin, ID: "createToken", Summary: "Create a token; its secret is shown this once.",
			Body: apiwire.TokenRequest{}, Status: 201, Resp: apiwire.NewToken{}, Errors: []int{400, 409, 413}, handle: (*Server).createToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{name}", Scope: apiwire.ScopeAdmin, ID: "revokeToken", Summary: "Revoke a token.",
			Status: 204, Errors: []int{404, 409}, handle: (*Server).revokeToken},

		{Method: "GET", Path: "/api/v1/roles", Scope: service.RolesScope, ID: "listRoles",
			Summary: "List role bindings: which user, group or token holds which role (viewer, deployer, approver, admin) on which environments. Needs the admin role on every environment.",
			Status:  200, Resp: apiwire.RoleBindingList{}, handle: (*Server).listRoles},
		{Method: "POST", Path: "/api/v1/roles", Scope: service.RolesScope, ID: "grantRole",
			Summary: "Bind a user, group or token to a role on all environments (*), one environment, or a shell pattern (prod-*). Audited role.grant.",
			Body:    apiwire.RoleBindingRequest{}, Status: 201, Resp: apiwire.RoleBinding{}, Errors: []int{400, 409, 413}, handle: (*Server).grantRole},
		{Method: "DELETE", Path: "/api/v1/roles/{id}", Scope: service.RolesScope, ID: "revokeRole",
			Summary: "Delete a role binding; its subject loses the role at their next request. Audited role.revoke.",
			Status:  204, Errors: []int{400, 404}, handle: (*Server).revokeRole},
		{Method: "GET", Path: "/api/v1/sessions", Scope: apiwire.ScopeAdmin, ID: "listSessions",
			Summary: "People's live browser sessions (never their ids), newest sign-in first. Needs the admin role on every environment.",
			Query:   []param{{Name: "user", Desc: "only this person's sessions"}}, Status: 200, Resp: apiwire.UserSessionList{}, handle: (*Server).listSessions},
		{Method: "DELETE", Path: "/api/v1/users/{name}/sessions", Scope: apiwire.ScopeAdmin, ID: "endUserSessions",
			Summary: "End every browser session of a person (their next request asks them to sign in; the groups a session holds end with it). Audited session.end.",
			Status:  200, Resp: apiwire.EndedSessions{}, Errors: []int{400}, handle: (*Server).endUserSessions},

		{Method: "GET", Path: "/api/v1/policies", Scope: apiwire.ScopeRead, ID: "listPolicies",
			Summary: "The stored policies (Rego) that policy phases evaluate, by name.",
			Status:  200, Resp: apiwire.PolicyList{}, handle: (*Server).listPolicies},
		{Method: "GET", Path: "/api/v1/policies/{name}", Scope: apiwire.ScopeRead, ID: "getPolicy", Summary: "One policy, with its Rego module.",
			Status: 200, Resp: release.Policy{}, Errors: []int{404}, handle: (*Server).getPolicy},
		{Method: "PUT", Path: "/api/v1/policies/{name}", Scope: apiwire.ScopeAdmin, ID: "putPolicy",
			Summary: "Create or replace a policy; its version counts changes of its module. A module that does not compile is a 400 giving line and column.",
			Body:    apiwire.PolicyRequest{}, Status: 200, Resp: release.Policy{}, Errors: []int{400, 413}, handle: (*Server).putPolicy},
		{Method: "DELETE", Path: "/api/v1/policies/{name}", Scope: apiwire.ScopeAdmin, ID: "deletePolicy",
			Summary: "Delete a policy; releases keep the verdicts it gave.", Status: 204, Errors: []int{404}, handle: (*Server).deletePolicy},

		{Method: "GET", Path: "/api/v1/webhooks", Scope: service.WebhookScope, ID: "listWebhooks",
			Summary: "The webhook subscriptions (never their secrets).", Status: 200, Resp: apiwire.WebhookList{}, handle: (*Server).listWebhooks},
		{Method: "POST", Path: "/api/v1/webhooks", Scope: service.WebhookScope, ID: "createWebhook",
			Summary: "Subscribe a URL to release events; the answer holds the signing secret, shown this once (Standard Webhooks signatures).",
			Body:    apiwire.WebhookRequest{}, Status: 201, Resp: apiwire.NewWebhook{}, Errors: []int{400, 413}, handle: (*Server).createWebhook},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", Scope: service.WebhookScope, ID: "deleteWebhook",
			Summary: "Delete a subscription and its deliveries.", Status: 204, Errors: []int{400, 404}, handle: (*Server).deleteWebhook},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/rotate-secret", Scope: service.WebhookScope, ID: "rotateWebhookSecret",
			Summary: "Give a subscription a new signing secret, shown this once; the old one signs too for 24 hours.",
			Status:  200, Resp: apiwire.NewWebhook{}, Errors: []int{400, 404}, handle: (*Server).rotateWebhook},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/test", Scope: service.WebhookScope, ID: "testWebhook",
			Summary: "Queue a webhook.test delivery to a subscription.", Status: 202, Resp: release.WebhookDelivery{}, Errors: []int{400, 404}, handle: (*Server).testWebhook},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", Scope: service.WebhookScope, ID: "webhookDeliveries",
			Summary: "A subscription's deliveries, newest first: state, attempts, last status code, latency and error.",
			Query:   []param{{Name: "before", Desc: "a delivery id: list older ones"}, pLimit},
			Status:  200, Resp: apiwire.DeliveryList{}, Errors: []int{400, 404}, handle: (*Server).webhookDeliveries},

		{Method: "GET", Path: "/api/v1/audit", Scope: apiwire.ScopeAdmin, ID: "listAudit",
			Summary: "The audit log, newest first: every state-changing act, who did it, from where, and how it ended.",
			Query: []param{{Name: "actor"}, {Name: "environment"},
				{Name: "kind", Desc: "an act (release.approve) or, ending in a dot, a family (release.)"},
				{Name: "since", Desc: "RFC 3339 time, inclusive"}, {Name: "until", Desc: "RFC 3339 time, exclusive"}, pCursor, pLimit},
			Status: 200, Resp: apiwire.AuditList{}, Errors: []int{400}, handle: (*Server).listAudit},
	}
}
