"""Instructor tools beyond grading, one `keras-course` verb per module:

- passback.py    `keras-course passback`: scores to the LMS (LTI 1.3 Assignment and Grade Services)
- similarity.py  `keras-course similarity`: pairs of submissions whose own code is alike
- extensions.py  `keras-course extend`: a student's extension on a chapter
"""
