package rel

// StopEnforcingMorphMap undoes EnforceMorphMap, for the test that turns it
// on.
func StopEnforcingMorphMap() {
	morphMap.Lock()
	morphMap.enforce = false
	morphMap.Unlock()
}
