"""How people log in to the course's hub; KERAS_COURSE_LOGIN picks one of three.

- demo (default): DemoAuthenticator, one password per demo account, printed by `keras-course hub`.
- lti13: LTI 1.3 from the LMS (ltiauthenticator); the LMS's roles claim decides the group, and
  the launch's grade services claim is kept for `keras-course passback` (lms_launches.py).
- oauth: any OAuth 2 / OpenID Connect provider (oauthenticator's GenericOAuthenticator); the
  provider's groups claim decides the group.

Groups decide everything else: members of "instructors" get the instructor role (formgrader,
admin page, other users' servers), members of "students" only their own server.
"""

from __future__ import annotations

import hmac
import os

from jupyterhub.auth import Authenticator
from traitlets import Dict, Unicode

INSTRUCTORS, STUDENTS = "instructors", "students"

# LTI 1.3 role URIs (IMS LIS vocabulary) whose holders grade: they join the instructors group.
LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LTI_GRADING_ROLES = ("#Instructor", "#Administrator", "#TeachingAssistant", "#ContentDeveloper")

LTI_SETTINGS = {  # environment variable -> LTI13Authenticator trait
    "KERAS_COURSE_LTI_ISSUER": "issuer",
    "KERAS_COURSE_LTI_CLIENT_ID": "client_id",
    "KERAS_COURSE_LTI_AUTHORIZE_URL": "authorize_url",
    "KERAS_COURSE_LTI_JWKS_ENDPOINT": "jwks_endpoint",
}
OAUTH_SETTINGS = {  # environment variable -> GenericOAuthenticator trait
    "KERAS_COURSE_OAUTH_CLIENT_ID": "client_id",
    "KERAS_COURSE_OAUTH_CLIENT_SECRET": "client_secret",
    "KERAS_COURSE_OAUTH_AUTHORIZE_URL": "authorize_url",
    "KERAS_COURSE_OAUTH_TOKEN_URL": "token_url",
    "KERAS_COURSE_OAUTH_USERDATA_URL": "userdata_url",
    "KERAS_COURSE_OAUTH_CALLBACK_URL": "oauth_callback_url",
}


class DemoAuthenticator(Authenticator):
    """Each account has its own password; anyone else, or a wrong password, gets the login error.

    For a demo or a workshop on one machine only: the passwords sit in the hub's folder.
    """

    passwords = Dict(key_trait=Unicode(), value_trait=Unicode(), config=True,
                     help="user name -> password of every account that may log in")

    async def authenticate(self, handler, data):
        expected = self.passwords.get(data.get("username", ""))
        given = data.get("password", "")
        if expected is not None and hmac.compare_digest(expected.encode(), given.encode()):
            return data["username"]
        return None


def _lti13_authenticator_class():
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    class CourseLTI13Authenticator(LTI13Authenticator):
        """LTI 1.3 launches; whoever the LMS calls an instructor (or TA) joins the instructors.
        A student's launch also records where the LMS takes their grades (passback reads it)."""

        launches_file = Unicode("", config=True,
                                help="where launches' grade services claims are kept ('' keeps none)")
        languages_file = Unicode("", config=True, help="where launches' locale claims are kept ('' keeps none)")

        async def authenticate(self, handler, data=None):
            user = await super().authenticate(handler, data)
            roles = (data or {}).get(LTI_ROLES_CLAIM, [])
            grades = any(role.endswith(LTI_GRADING_ROLES) for role in roles)
            user["groups"] = [INSTRUCTORS if grades else STUDENTS]
            if not grades and self.launches_file:
                self._record_launch(user["name"], data or {})
            self._record_language(user["name"], (data or {}).get("locale"))
            return user

        def _record_language(self, hub_user: str, locale) -> None:
            from autograder.user_language import UserLanguages, language_of_locale

            lang = language_of_locale(locale if isinstance(locale, str) else None)
            if lang and self.languages_file:
                try:
                    UserLanguages(self.languages_file).set(hub_user, lang)
                except OSError as error:
                    self.log.error("could not record %s's language in %s: %s", hub_user, self.languages_file, error)

        def _record_launch(self, hub_user: str, claims: dict) -> None:
            from autograder.instructor.lms_launches import LaunchStore, launch_from_claims

            launch = launch_from_claims(hub_user, claims)
            if launch is None:
                self.log.info("LTI launch of %s carries no grade services claim: no passback for it", hub_user)
                return
            try:
                LaunchStore(self.launches_file).record(launch)
            except OSError as error:  # the login still succeeds; passback will name the student as skipped
                self.log.error("could not record the LTI launch of %s in %s: %s", hub_user, self.launches_file, error)

    return CourseLTI13Authenticator


class LoginSettingsError(Exception):
    """A login was chosen without the settings it needs; the message names them."""


def _required(env, names: dict[str, str], login: str) -> dict[str, str]:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise LoginSettingsError(f"KERAS_COURSE_LOGIN={login} needs {', '.join(missing)} (see README.md, Hub)")
    return {trait: env[name] for name, trait in names.items()}


def configure_login(c, login: str, demo_passwords: dict[str, str] | None = None, environ=None,
                    launches_file: str = "", languages_file: str = "") -> None:
    """Set the hub's authenticator in config ``c``; LTI and OAuth read their settings from env.
    ``launches_file``: where LTI launches' grade services claims go (the course's, for passback)."""
    env = os.environ if environ is None else environ
    if login == "demo":
        c.JupyterHub.authenticator_class = DemoAuthenticator
        c.DemoAuthenticator.passwords = dict(demo_passwords or {})
        c.Authenticator.allowed_users = set(demo_passwords or {})
    elif login == "lti13":
        c.JupyterHub.authenticator_class = _lti13_authenticator_class()
        for trait, value in _required(env, LTI_SETTINGS, login).items():
            setattr(c.LTI13Authenticator, trait, {value} if trait == "client_id" else value)
        c.LTI13Authenticator.username_key = env.get("KERAS_COURSE_LTI_USERNAME_KEY", "sub")
        c.CourseLTI13Authenticator.launches_file = launches_file
        c.CourseLTI13Authenticator.languages_file = languages_file
        c.Authenticator.allow_all = True  # the LMS decides who takes the course
        c.Authenticator.manage_groups = True
    elif login == "oauth":
        c.JupyterHub.authenticator_class = "generic-oauth"
        for trait, value in _required(env, OAUTH_SETTINGS, login).items():
            setattr(c.GenericOAuthenticator, trait, value)
        c.GenericOAuthenticator.username_claim = env.get("KERAS_COURSE_OAUTH_USERNAME_CLAIM", "preferred_username")
        c.GenericOAuthenticator.scope = env.get("KERAS_COURSE_OAUTH_SCOPE", "openid profile email").split()
        c.GenericOAuthenticator.manage_groups = True
        c.GenericOAuthenticator.auth_state_groups_key = env.get("KERAS_COURSE_OAUTH_GROUPS_KEY", "oauth_user.groups")
        c.GenericOAuthenticator.allowed_groups = {INSTRUCTORS, STUDENTS}  # the provider's group names
    else:
        raise LoginSettingsError(f"KERAS_COURSE_LOGIN={login!r}: the logins are demo, lti13 and oauth")
