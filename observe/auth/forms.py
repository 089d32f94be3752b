from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


class ChoosePasswordForm(FlaskForm):
    """A new password twice: an invited person's first one (observe/auth/invitations.py)."""
    new = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=8, max=1024, message=_l("Use at least %(min)d characters.", min=8))],
        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(ChoosePasswordForm):
    """The signed-in user's own change: the current password too (templates render the fields in order)."""
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)],
                            render_kw={"autocomplete": "current-password"})
