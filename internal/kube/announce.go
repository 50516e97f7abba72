package kube

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// announcements turns the store's announcements on store.ReleaseChannel
// (every change to a release, from any process: workers, the API, the
// pages, the reaper) into reconciles of the Releases that stand for them,
// so a Release's status follows its release as it changes, without
// polling. A release of a watched namespace that no Release stands for
// (created through the API, CLI or pages) gets one.
type announcements struct {
	events chan event.GenericEvent // to the Release controller

	mu      sync.Mutex
	pending map[int64]bool // announced, not yet handled
	resync  bool           // the listener reconnected: look at every Release
	wake    chan struct{}
}

func newAnnouncements() *announcements {
	return &announcements{
		events:  make(chan event.GenericEvent, 1024),
		pending: map[int64]bool{},
		wake:    make(chan struct{}, 1),
	}
}

// notify records an announcement; it never blocks (the listener's rule).
func (a *announcements) notify(_, payload string) {
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil || id <= 0 {
		return // 0: releases deleted; their Releases say so when next reconciled
	}
	a.mu.Lock()
	a.pending[id] = true
	a.mu.Unlock()
	a.poke()
}

func (a *announcements) connected(up bool) {
	if !up {
		return
	}
	a.mu.Lock()
	a.resync = true
	a.mu.Unlock()
	a.poke()
}

func (a *announcements) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run listens until ctx ends, handing each announced release to its
// Release's reconcile (or mirroring it into a new Release).
func (a *announcements) run(ctx context.Context, st *store.Store, r *releaseReconciler) error {
	listenErr := make(chan error, 1)
	go func() {
		listenErr <- st.Listen(ctx, store.Subscriber{Channels: []string{store.ReleaseChannel}, Notify: a.notify, Connected: a.connected})
	}()
	for {
		select {
		case <-ctx.Done():
			<-listenErr
			return nil
		case <-a.wake:
		}
		a.mu.Lock()
		ids, resync := a.pending, a.resync
		a.pending, a.resync = map[int64]bool{}, false
		a.mu.Unlock()
		if resync {
			for _, nn := range r.index.all() {
				if !a.send(ctx, genericEvent(nn.Namespace, nn.Name)) {
					return nil
				}
			}
			// Releases created while no one listened were announced to
			// no one: the unfinished ones get their Release now.
			unfinished, err := a.unfinished(ctx, st)
			if err != nil {
				r.log.Warn("could not list unfinished releases to mirror", "error", err)
			}
			for _, id := range unfinished {
				ids[id] = true
			}
		}
		for id := range ids {
			if nn, ok := r.index.get(id); ok {
				if !a.send(ctx, genericEvent(nn.Namespace, nn.Name)) {
					return nil
				}
				continue
			}
			if err := r.adopt(ctx, id); err != nil {
				r.log.Warn("could not make a Release for a release created outside the cluster", "release", id, "error", err)
			}
		}
	}
}

// unfinished lists the releases that have not finished (at most the
// newest 1,000 of each status): on a (re)connect, those created while the
// listener was away are mirrored too.
func (a *announcements) unfinished(ctx context.Context, st *store.Store) ([]int64, error) {
	return st.ListReleaseIDs(ctx, store.ReleaseFilter{
		Statuses: []release.Status{release.StatusQueued, release.StatusInProgress, release.StatusPendingApproval}, Limit: 1000})
}

func (a *announcements) send(ctx context.Context, ev event.GenericEvent) bool {
	select {
	case a.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// adopt makes a Release named shiplog-<id> for release id when it was
// created outside the cluster (API, CLI, pages) in a namespace the
// controller watches: its environment's namespace binds it there, so
// `kubectl get releases -n NS` lists every release of that namespace. The
// new Release is annotated with the release's id and creates nothing.
func (r *releaseReconciler) adopt(ctx context.Context, id int64) error {
	if _, ok := r.unbound.Load(id); ok {
		return nil
	}
	rel, err := r.store.GetRelease(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if isCluster(rel.TriggeredBy) {
		return nil // its Release is being reconciled
	}
	if rel.Namespace == "" || !r.opts.watched(rel.Namespace) {
		r.unbound.Store(id, true)
		return nil
	}
	cr := &v1alpha1.Release{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   rel.Namespace,
			Name:        fmt.Sprintf("shiplog-%d", rel.ID),
			Annotations: map[string]string{AnnotationReleaseID: strconv.FormatInt(rel.ID, 10)},
			Labels:      map[string]string{LabelOrigin: "api"},
		},
		Spec: v1alpha1.ReleaseSpec{
			Environment: rel.Environment,
			TemplateRef: v1alpha1.TemplateRef{Name: rel.Template, Namespace: rel.TemplateNamespace},
			Targets:     rel.Targets,
		},
	}
	if rel.DeploymentType == release.DeploymentRegular || rel.DeploymentType == release.DeploymentCustom {
		cr.Spec.DeploymentType = string(rel.DeploymentType)
	}
	err = r.client.Create(ctx, cr)
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil
	case apierrors.IsNotFound(err): // no such namespace in the cluster
		r.unbound.Store(id, true)
		r.log.Debug("release's namespace is not in the cluster", "release", id, "namespace", rel.Namespace)
		return nil
	}
	return err
}
