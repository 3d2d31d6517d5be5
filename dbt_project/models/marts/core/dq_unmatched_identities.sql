-- Person records that could not be matched to a Kantata user (the PSA is the roster of
-- consultants): kept in dim_consultant under their own key, listed here to be fixed
-- (usually with a row in the identity_overrides seed).
with

identities as (

    select * from {{ ref('int_identities_resolved') }}

),

kantata_emails as (

    select distinct email
    from identities
    where system = 'kantata' and email is not null

),

flagged as (

    select
        identities.system as source,
        identities.source_id,
        identities.email,
        identities.display_name,
        identities.consultant_key,
        case
            when identities.email is null then 'email_missing'
            when not identities.is_primary_record then 'duplicate_email'
            when identities.system <> 'kantata' and kantata_emails.email is null
                then 'no_kantata_user'
        end as reason
    from identities
    left join kantata_emails
        on identities.email = kantata_emails.email

)

select
    source,
    source_id,
    email,
    reason,
    display_name,
    consultant_key
from flagged
where reason is not null
