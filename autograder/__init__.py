"""An autograded Keras 3 course: checks for Keras models, the student-side ``check()``, data
loading, and the ``keras-course`` command."""

from .student import check

__all__ = ["check"]
__version__ = "0.1.0"
