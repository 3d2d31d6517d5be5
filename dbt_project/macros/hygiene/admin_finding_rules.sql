{#- The administration-hygiene rules of DOMAIN.md §11, in one place: each rule's id, the
    system that owns the record to fix (kantata, salesforce, jira) and the kind of record.
    Rule <id> is computed by the model int_findings_<id> (record_id, detail);
    int_admin_findings_current stacks them and mart_admin_findings_summary lists every
    rule, with or without findings. -#}
{% macro admin_finding_rules() -%}
    {{ return([
        {'rule': 'person_missing_org_data', 'system': 'kantata', 'object': 'user'},
        {'rule': 'non_delivery_billable_time', 'system': 'kantata', 'object': 'user'},
        {'rule': 'workspace_without_opportunity', 'system': 'kantata', 'object': 'workspace'},
        {'rule': 'workspace_opportunity_unmatched', 'system': 'kantata', 'object': 'workspace'},
        {'rule': 'won_opportunity_without_workspace', 'system': 'salesforce',
            'object': 'opportunity'},
        {'rule': 'time_after_workspace_due', 'system': 'kantata', 'object': 'workspace'},
        {'rule': 'allocation_to_departed_person', 'system': 'kantata',
            'object': 'workspace_allocation'},
        {'rule': 'ticket_priority_without_policy', 'system': 'jira', 'object': 'issue'},
        {'rule': 'presales_request_unmatched', 'system': 'jira', 'object': 'issue'},
    ]) }}
{%- endmacro %}
