"""The grading engine: what runs on the grader's side only (never in a student's kernel)."""
