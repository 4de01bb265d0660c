"""`xueliang user create|list|disable|enable|reset-password`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xueliang.audit import service as audit
from xueliang.auth import security, service
from xueliang.auth.principal import Principal
from xueliang.cli.context import console, unit_of_work

user_app = typer.Typer(no_args_is_help=True, help="Manage user accounts.")
CLI_ACTOR = Principal.system("cli")


@user_app.command("create")
def create(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="Role name; repeat for several.")] = [],  # noqa: B006
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Password; generated and printed once if omitted.")
    ] = None,
) -> None:
    """Create a user; prints a generated password once when none is given."""
    secret = password or security.generate_password()
    with unit_of_work() as db:
        service.ensure_builtin_roles(db=db)
        user = service.create_user(
            db=db, username=username, password=secret, display_name=display_name, roles=role
        )
        user.must_change_password = password is None
        audit.record(
            db=db,
            actor=CLI_ACTOR,
            action="user.create",
            object_type="user",
            object_id=user.id,
            request={"username": username, "roles": role},
        )
    console.print(f"created user [bold]{username}[/bold] with roles {', '.join(role) or '(none)'}")
    if password is None:
        console.print(f"password (shown once): [bold]{secret}[/bold]")


@user_app.command("list")
def list_users() -> None:
    """List all users with their roles and state."""
    with unit_of_work() as db:
        _, users = service.list_users(db=db, principal=CLI_ACTOR, limit=100_000)
        table = Table("id", "username", "display name", "roles", "active", "last login")
        for u in users:
            table.add_row(
                str(u.id),
                u.username,
                u.display_name,
                ",".join(u.role_names),
                "yes" if u.is_active else "no",
                str(u.last_login_at or "-"),
            )
    console.print(table)


@user_app.command("disable")
def disable(username: str) -> None:
    """Disable a user and revoke their sessions and tokens."""
    with unit_of_work() as db:
        user = service.get_user_by_username_or_raise(db=db, username=username)
        service.disable_user(db=db, user=user)
        audit.record(db=db, actor=CLI_ACTOR, action="user.disable", object_type="user", object_id=user.id)
    console.print(f"disabled {username}")


@user_app.command("enable")
def enable(username: str) -> None:
    """Enable a user again and clear any lockout."""
    with unit_of_work() as db:
        user = service.get_user_by_username_or_raise(db=db, username=username)
        service.enable_user(db=db, user=user)
        audit.record(db=db, actor=CLI_ACTOR, action="user.enable", object_type="user", object_id=user.id)
    console.print(f"enabled {username}")


@user_app.command("reset-password")
def reset_password(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="New password; generated and printed once if omitted.")
    ] = None,
) -> None:
    """Set a new password (generated if not given), clear lockout, revoke sessions."""
    secret = password or security.generate_password()
    with unit_of_work() as db:
        user = service.get_user_by_username_or_raise(db=db, username=username)
        service.reset_password(db=db, user=user, password=secret, must_change=password is None)
        audit.record(
            db=db, actor=CLI_ACTOR, action="user.reset_password", object_type="user", object_id=user.id
        )
    console.print(f"password of {username} reset")
    if password is None:
        console.print(f"new password (shown once): [bold]{secret}[/bold]")
