"""Chapter 2's hidden-test helpers (grader only): none so far. Every helper the hidden tests use
(the Keras references, the activation and model checks) is shared with the public tests and stays
in autograder/exercises/ch02_layers.py.
"""
