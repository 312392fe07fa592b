"""The migration operation that creates the tables with authsession's DDL in ``adapters/sql/``.

Django's own DDL differs from the Auth.js schema in ways another client notices: foreign keys
without ``ON DELETE CASCADE`` (Django cascades in Python, so ``@auth/pg-adapter``'s
``deleteUser``, which deletes the user row first, would fail), identity columns instead of
``SERIAL``, its own constraint names, indexes the schema does not have. So on PostgreSQL and
SQLite the tables are made by the same statements as ``SQLAlchemyAdapter`` makes them; each is
``CREATE TABLE IF NOT EXISTS``, so ``migrate`` also adopts tables a Next.js app already created.
Other databases get Django's own DDL for the same models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations import CreateModel
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from authsession.adapters._authjs_schema import ddl_statements

#: Where the DDL files are, under ``sql/``, per Django database vendor.
_FOLDER = {"postgresql": "", "sqlite": "sqlite/"}


class CreateTables(Operation):
    """Create the models of ``models`` with the DDL files ``steps`` (``sql/[sqlite/]<step>.sql``)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, steps: Sequence[str], models: Sequence[CreateModel]) -> None:
        self.steps = list(steps)
        self.models = list(models)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (f"{__name__}.{type(self).__qualname__}", [], {"steps": self.steps, "models": self.models})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        for model in self.models:
            model.state_forwards(app_label, state)

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        first = to_state.apps.get_model(app_label, self.models[0].name)
        if not self.allow_migrate_model(schema_editor.connection.alias, first):
            return
        folder = _FOLDER.get(schema_editor.connection.vendor)
        if folder is not None:
            for step in self.steps:
                for statement in ddl_statements(f"{folder}{step}.sql"):
                    schema_editor.execute(statement)
            return
        state = from_state
        for model in self.models:
            next_state = state.clone()
            model.state_forwards(app_label, next_state)
            model.database_forwards(app_label, schema_editor, state, next_state)
            state = next_state

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        for model in reversed(self.models):
            found = from_state.apps.get_model(app_label, model.name)
            if self.allow_migrate_model(schema_editor.connection.alias, found):
                schema_editor.delete_model(found)

    def describe(self) -> str:
        return "Create the tables " + ", ".join(model.name for model in self.models)
