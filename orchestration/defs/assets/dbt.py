"""The dbt project as Dagster assets: staging → intermediate → marts, with every dbt test
as an asset check (error severity blocks what is downstream, publish included)."""

import os
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.dbt_child import PARENT_VARIABLE
from orchestration.defs.assets.ingest import OWNERS
from orchestration.defs.resources import ensure_dbt_manifest


def layer_group(fqn: list[str]) -> str:
    """``['psops', 'marts', 'utilization', 'x']`` → ``marts_utilization``; staging and
    intermediate models group by their layer."""
    layer = fqn[1] if len(fqn) > 2 else "default"
    if layer == "marts" and len(fqn) > 3:
        return f"marts_{fqn[2]}"
    return layer


class PsopsDbtTranslator(DagsterDbtTranslator):
    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            # the raw tables the ingest assets land: raw_<source>/<table>
            return spec.replace_attributes(key=AssetKey([props["source_name"], props["name"]]))
        group = "seeds" if props["resource_type"] == "seed" else layer_group(props["fqn"])
        return spec.replace_attributes(group_name=group).merge_attributes(
            kinds={"duckdb"}, owners=OWNERS, tags={"layer": group.split("_")[0]}
        )


translator = PsopsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=ensure_dbt_manifest(), dagster_dbt_translator=translator)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # psops-dbt checks that this process is still its parent once the kernel is told to kill
    # it with its parent: a refresh killed while dbt's Python starts leaves no dbt behind
    os.environ[PARENT_VARIABLE] = str(os.getpid())
    yield from (
        dbt.cli(["build"], context=context).stream().fetch_row_counts().fetch_column_metadata()
    )


def mart_keys() -> list[AssetKey]:
    return sorted(
        (
            key
            for key in dbt_models.keys
            if dbt_models.group_names_by_key.get(key, "").startswith("marts")
        ),
        key=lambda k: k.to_user_string(),
    )
