"""A person at the hub, over HTTP: log in, start a server, use nbgrader's assignment list and
the Jupyter contents API through the hub's proxy. The hub tests and the load benchmark use it;
it does what JupyterLab's pages do, with the same cookies and XSRF tokens."""

from __future__ import annotations

import re
import time

import requests


class HubError(Exception):
    """The hub or a user's server answered something unexpected; the message says what."""


class HubUser:
    def __init__(self, base_url: str, name: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.password = password
        self.session = requests.Session()

    # -- the hub ----------------------------------------------------------------------------------
    def login(self) -> requests.Response:
        """Post the login form as a browser does; returns the page the hub answers with."""
        form = self.session.get(f"{self.base_url}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        data = {"username": self.name, "password": self.password, "_xsrf": xsrf.group(1) if xsrf else ""}
        return self.session.post(f"{self.base_url}/hub/login?next=", data=data, timeout=60)

    @property
    def logged_in(self) -> bool:
        return any(cookie.name == "jupyterhub-session-id" for cookie in self.session.cookies) and \
            any(cookie.name == "jupyterhub-hub-login" for cookie in self.session.cookies)

    def _xsrf(self, path: str) -> str:
        for cookie in self.session.cookies:
            if cookie.name == "_xsrf" and cookie.path.rstrip("/") == path.rstrip("/"):
                return cookie.value
        return ""

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"X-XSRFToken": self._xsrf("/hub/")}
        if method != "GET":
            kwargs.setdefault("json", {})  # the hub refuses a form-encoded API request
        return self.session.request(method, f"{self.base_url}/hub/api/{path}", headers=headers,
                                    timeout=60, **kwargs)

    def start_server(self, timeout: float = 120) -> float:
        """Ask for this user's server and wait until the hub says it is ready; returns seconds."""
        began = time.monotonic()
        answer = self.hub_api("POST", f"users/{self.name}/server")
        if answer.status_code not in (201, 202, 400):  # 400: it is already running
            raise HubError(f"{self.name}: starting the server: {answer.status_code} {answer.text[:300]}")
        while time.monotonic() - began < timeout:
            model = self.hub_api("GET", f"users/{self.name}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - began
            if not model.get("pending") and not server:
                raise HubError(f"{self.name}: the server stopped while starting (see the hub's log)")
            time.sleep(1)  # twenty students polling must not keep the hub busy
        raise HubError(f"{self.name}: the server was not ready after {timeout:.0f} s")

    # -- the user's own server, through the proxy -------------------------------------------------
    def server_url(self, path: str = "", user: str | None = None) -> str:
        return f"{self.base_url}/user/{user or self.name}/{path}"

    def open(self, path: str = "lab", user: str | None = None) -> requests.Response:
        """GET a page of a server as a browser does, following the hub's OAuth redirects."""
        return self.session.get(self.server_url(path, user), timeout=60)

    def server_api(self, method: str, path: str, **kwargs) -> requests.Response:
        if not self._xsrf(f"/user/{self.name}/"):
            self.open("lab")  # the first page sets the server's cookies
        headers = {"X-XSRFToken": self._xsrf(f"/user/{self.name}/")}
        return self.session.request(method, self.server_url(path), headers=headers, timeout=300, **kwargs)

    def assignments(self, course_id: str) -> list[dict]:
        return self._assignment_answer(self.server_api("GET", "assignments", params={"course_id": course_id}))

    def assignment_action(self, action: str, course_id: str, assignment_id: str) -> dict:
        """fetch, submit or fetch_feedback, as the assignment list's buttons do."""
        answer = self.server_api("POST", f"assignments/{action}",
                                 json={"course_id": course_id, "assignment_id": assignment_id})
        if answer.status_code != 200:
            raise HubError(f"{self.name}: {action}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    @staticmethod
    def _assignment_answer(answer: requests.Response) -> list[dict]:
        body = answer.json()
        if not body.get("success"):
            raise HubError(f"nbgrader's assignment list failed: {body.get('value')}")
        return body["value"]

    def read_file(self, path: str, user: str | None = None) -> requests.Response:
        return self.session.get(self.server_url(f"api/contents/{path}", user), timeout=60,
                                headers={"X-XSRFToken": self._xsrf(f"/user/{user or self.name}/")})

    def write_notebook(self, path: str, notebook: dict) -> None:
        answer = self.server_api("PUT", f"api/contents/{path}", json={"type": "notebook", "content": notebook})
        if answer.status_code not in (200, 201):
            raise HubError(f"{self.name}: saving {path}: {answer.status_code} {answer.text[:300]}")

    def rename(self, path: str, new_path: str) -> None:
        answer = self.server_api("PATCH", f"api/contents/{path}", json={"path": new_path})
        if answer.status_code != 200:
            raise HubError(f"{self.name}: renaming {path}: {answer.status_code} {answer.text[:300]}")

    def shutdown_kernels(self) -> None:
        for kernel in self.server_api("GET", "api/kernels").json():
            self.server_api("DELETE", f"api/kernels/{kernel['id']}")
