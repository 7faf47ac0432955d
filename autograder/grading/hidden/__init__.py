"""The hidden tests' helpers, one module per chapter (``ch01_setup.py``, ...): the reference
computations, expected values and assertions that only the hidden test cells of the instructor's
notebooks (source/chNN_*/) use. Like the rest of ``autograder.grading`` they are shipped only to
graders, never to students' images; what a public test uses as well stays in
``autograder.exercises``, which the student's image holds, and the hidden cells import it from there.
"""
