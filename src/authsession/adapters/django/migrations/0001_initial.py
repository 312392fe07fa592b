"""The Auth.js tables: users, accounts, sessions, verification_token and authenticators.

Made on PostgreSQL and SQLite by ``authsession/adapters/sql/001_authjs_schema`` and
``003_authenticators`` (see :mod:`authsession.adapters.django.schema`); the models below are
what Django knows of them.
"""

from typing import ClassVar

import django.db.models.deletion
from django.db import migrations, models

from authsession.adapters.django.schema import CreateTables


def _user_key(related_name: str) -> models.ForeignKey[object]:
    return models.ForeignKey(
        db_column="userId",
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="authsession_adapter.user",
    )


def _composite_key(*fields: str) -> models.CompositePrimaryKey:
    return models.CompositePrimaryKey(*fields, blank=True, editable=False, primary_key=True, serialize=False)


class Migration(migrations.Migration):
    initial = True

    dependencies: ClassVar[list[tuple[str, str]]] = []

    operations = [
        CreateTables(
            steps=["001_authjs_schema", "003_authenticators"],
            models=[
                migrations.CreateModel(
                    name="User",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("name", models.CharField(max_length=255, null=True)),
                        ("email", models.CharField(max_length=255, null=True, unique=True)),
                        ("email_verified", models.DateTimeField(db_column="emailVerified", null=True)),
                        ("image", models.TextField(null=True)),
                    ],
                    options={"db_table": "users"},
                ),
                migrations.CreateModel(
                    name="VerificationToken",
                    fields=[
                        ("pk", _composite_key("identifier", "token")),
                        ("identifier", models.TextField()),
                        ("expires", models.DateTimeField()),
                        ("token", models.TextField()),
                    ],
                    options={"db_table": "verification_token"},
                ),
                migrations.CreateModel(
                    name="Session",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("expires", models.DateTimeField()),
                        ("session_token", models.CharField(db_column="sessionToken", max_length=255, unique=True)),
                        ("user", _user_key("sessions")),
                    ],
                    options={"db_table": "sessions"},
                ),
                migrations.CreateModel(
                    name="Authenticator",
                    fields=[
                        ("pk", _composite_key("user_id", "credential_id")),
                        ("credential_id", models.TextField(db_column="credentialID", unique=True)),
                        ("provider_account_id", models.TextField(db_column="providerAccountId")),
                        ("credential_public_key", models.TextField(db_column="credentialPublicKey")),
                        ("counter", models.IntegerField()),
                        ("credential_device_type", models.TextField(db_column="credentialDeviceType")),
                        ("credential_backed_up", models.BooleanField(db_column="credentialBackedUp")),
                        ("transports", models.TextField(null=True)),
                        ("user", _user_key("authenticators")),
                    ],
                    options={"db_table": "authenticators"},
                ),
                migrations.CreateModel(
                    name="Account",
                    fields=[
                        ("id", models.AutoField(primary_key=True, serialize=False)),
                        ("type", models.CharField(max_length=255)),
                        ("provider", models.CharField(max_length=255)),
                        ("provider_account_id", models.CharField(db_column="providerAccountId", max_length=255)),
                        ("refresh_token", models.TextField(null=True)),
                        ("access_token", models.TextField(null=True)),
                        ("expires_at", models.BigIntegerField(null=True)),
                        ("id_token", models.TextField(null=True)),
                        ("scope", models.TextField(null=True)),
                        ("session_state", models.TextField(null=True)),
                        ("token_type", models.TextField(null=True)),
                        ("user", _user_key("accounts")),
                    ],
                    options={
                        "db_table": "accounts",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("provider", "provider_account_id"),
                                name="accounts_provider_providerAccountId_key",
                            )
                        ],
                    },
                ),
            ],
        )
    ]
