"""The two-way sync engine (SPEC §5): canonical forms, the three-way merge planner, and the run."""
