"""Care work: pairings, contact logs, care standards and the cadence engine, concerns,
help plans and the teacher's week. Filled in by the care-engine issue."""
