"""authsession's session-management and password tables: session_details, session_generations and
passwords (not Auth.js').

Made on PostgreSQL and SQLite by ``authsession/adapters/sql/004_session_management`` and
``005_passwords`` (see :mod:`authsession.adapters.django.schema`), as SQLAlchemyAdapter makes them.
"""

from typing import ClassVar

import django.db.models.deletion
from django.db import migrations, models

from authsession.adapters.django.schema import CreateTables


def _user_key(related_name: str) -> models.OneToOneField[object]:
    return models.OneToOneField(
        db_column="userId",
        on_delete=django.db.models.deletion.CASCADE,
        primary_key=True,
        related_name=related_name,
        serialize=False,
        to="authsession_adapter.user",
    )


class Migration(migrations.Migration):
    dependencies: ClassVar[list[tuple[str, str]]] = [("authsession_adapter", "0002_two_factor")]

    operations = [
        CreateTables(
            steps=["004_session_management", "005_passwords"],
            models=[
                migrations.CreateModel(
                    name="SessionDetail",
                    fields=[
                        (
                            "session",
                            models.OneToOneField(
                                db_column="sessionToken",
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="details",
                                serialize=False,
                                to="authsession_adapter.session",
                                to_field="session_token",
                            ),
                        ),
                        ("created_at", models.DateTimeField(db_column="createdAt", null=True)),
                        ("user_agent", models.TextField(db_column="userAgent", null=True)),
                        ("ip", models.CharField(max_length=45, null=True)),
                    ],
                    options={"db_table": "session_details"},
                ),
                migrations.CreateModel(
                    name="SessionGeneration",
                    fields=[
                        ("user", _user_key("session_generation")),
                        ("generation", models.BigIntegerField(db_default=0, default=0)),
                    ],
                    options={"db_table": "session_generations"},
                ),
                migrations.CreateModel(
                    name="Password",
                    fields=[
                        ("user", _user_key("password")),
                        ("hash", models.TextField()),
                        ("updated_at", models.DateTimeField(db_column="updatedAt")),
                    ],
                    options={"db_table": "passwords"},
                ),
            ],
        )
    ]
