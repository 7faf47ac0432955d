"""An autograded Keras 3 course: checks for Keras models, the student-side ``check()``, data
loading, and the ``keras-course`` command."""

__all__ = ["check"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported on first use: the sandbox's entry (python -m autograder.grading.sandbox) must start with one
    # thread, which unshare(CLONE_NEWUSER) requires, and numpy's thread pools would break that.
    if name == "check":
        from .student import check

        return check
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")
