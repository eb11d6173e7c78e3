package pivot

import (
	"context"
	"time"

	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/sqlt"
)

// touchSynced runs the touches of a sync (or toggle) for the targets whose
// pivot rows it changed (attached, detached or updated), as Laravel's sync
// does when its changes are not empty: see touch.Pivot.
func (p *plan) touchSynced(ctx context.Context, tx sqlt.Executor, ts []*target, now time.Time) error {
	if !touch.PivotAny(ctx, p.m) {
		return nil
	}
	var parents []any
	for _, t := range ts {
		changed := len(t.ch.Attached) > 0 || len(t.ch.Detached) > 0
		for _, st := range t.state {
			changed = changed || st == keptDiffers
		}
		if changed {
			parents = append(parents, t.parent)
		}
	}
	return touch.Pivot(ctx, tx, p.m, parents, now)
}
