"""nbgrader settings of a student server (installed as /etc/jupyter/nbgrader_config.py).

Students fetch and submit through the shared exchange volume; the hub mounts it here.
"""

c = get_config()  # noqa: F821 (provided by traitlets)
c.CourseDirectory.course_id = "keras-course"
c.Exchange.root = "/srv/nbgrader/exchange"
c.ExchangeSubmit.strict = True  # refuse a submission without the assignment's notebook
