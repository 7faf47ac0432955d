"""Chapter 5's hidden-test helpers (grader only): none so far. The hidden tests build their layer
specs from autograder.checks in the cells themselves.
"""
