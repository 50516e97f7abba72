package kube

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// releaseIndex maps shiplog release ids to the Releases that stand for
// them, so that a store announcement (a release id) reaches its Release.
// Every Release is reconciled when the controller starts, which fills it.
type releaseIndex struct {
	mu     sync.Mutex
	byID   map[int64]types.NamespacedName
	byName map[types.NamespacedName]int64
}

func newReleaseIndex() *releaseIndex {
	return &releaseIndex{byID: map[int64]types.NamespacedName{}, byName: map[types.NamespacedName]int64{}}
}

func (x *releaseIndex) put(id int64, nn types.NamespacedName) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.byID[id], x.byName[nn] = nn, id
}

func (x *releaseIndex) get(id int64) (types.NamespacedName, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	nn, ok := x.byID[id]
	return nn, ok
}

func (x *releaseIndex) forget(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if nn, ok := x.byID[id]; ok {
		delete(x.byName, nn)
		delete(x.byID, id)
	}
}

func (x *releaseIndex) forgetName(nn types.NamespacedName) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if id, ok := x.byName[nn]; ok {
		delete(x.byID, id)
		delete(x.byName, nn)
	}
}

// all is every Release known.
func (x *releaseIndex) all() []types.NamespacedName {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]types.NamespacedName, 0, len(x.byName))
	for nn := range x.byName {
		out = append(out, nn)
	}
	return out
}

func objectMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}
