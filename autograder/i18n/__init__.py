"""The course in more than one language: English, the source, and Simplified Chinese.

- notebooks.py  a chapter's text in another language: a gettext catalogue of the English
                notebook's markdown cells (translations/<lang>/<chapter>.po), from which the
                translated notebook is built; code cells and nbgrader metadata stay the English ones
- messages.py   what checks, tests and reports say to a student, through gettext
                (autograder/locale/<lang>/LC_MESSAGES/keras_course.po)
"""

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh_CN")
