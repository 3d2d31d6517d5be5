-- Every person record of the three systems (Kantata user, Jira account, SFDC user), one row
-- per record, with the e-mail it is matched on (an identity_overrides row wins over the
-- e-mail the API sent) and the consultant_key of the human it belongs to.
with

kantata_users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

jira_users as (

    select * from {{ ref('stg_jira__users') }}

),

salesforce_users as (

    select * from {{ ref('stg_salesforce__users') }}

),

overrides as (

    select
        lower(trim(system)) as system,
        trim(source_id) as source_id,
        nullif(lower(trim(email)), '') as email
    from {{ ref('identity_overrides') }}

),

unioned as (

    select
        'kantata' as system,
        user_id as source_id,
        full_name as display_name,
        email as source_email,
        not is_disabled as is_active
    from kantata_users

    union all

    select
        'jira' as system,
        account_id as source_id,
        display_name,
        email as source_email,
        is_active
    from jira_users

    union all

    select
        'salesforce' as system,
        user_id as source_id,
        user_name as display_name,
        email as source_email,
        is_active
    from salesforce_users

),

resolved as (

    select
        unioned.system,
        unioned.source_id,
        unioned.display_name,
        unioned.source_email,
        coalesce(overrides.email, unioned.source_email) as email,
        overrides.email is not null as has_override,
        unioned.is_active,
        -- what identifies the human: the e-mail, else the record itself
        coalesce(
            overrides.email, unioned.source_email, unioned.system || ':' || unioned.source_id
        ) as identity
    from unioned
    left join overrides
        on unioned.system = overrides.system
        and unioned.source_id = overrides.source_id

),

keyed as (

    select
        system,
        source_id,
        display_name,
        source_email,
        email,
        has_override,
        is_active,
        {{ dbt.hash('identity') }} as consultant_key,
        -- one record per system and human represents it; the others are duplicates
        row_number() over (
            partition by system, identity
            order by is_active desc nulls last, source_id
        ) = 1 as is_primary_record
    from resolved

)

select * from keyed
