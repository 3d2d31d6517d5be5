with

source as (

    select * from {{ source('raw_kantata', 'workweeks') }}
    where {{ not_deleted() }}

),

renamed as (

    select
        id as workweek_id,
        title as workweek_title,
        coalesce(monday_minutes, 0) as monday_minutes,
        coalesce(tuesday_minutes, 0) as tuesday_minutes,
        coalesce(wednesday_minutes, 0) as wednesday_minutes,
        coalesce(thursday_minutes, 0) as thursday_minutes,
        coalesce(friday_minutes, 0) as friday_minutes,
        coalesce(saturday_minutes, 0) as saturday_minutes,
        coalesce(sunday_minutes, 0) as sunday_minutes,
        updated_at
    from source

),

totalled as (

    select
        *,
        monday_minutes + tuesday_minutes + wednesday_minutes + thursday_minutes
        + friday_minutes + saturday_minutes + sunday_minutes as weekly_minutes,
        (case when monday_minutes > 0 then 1 else 0 end)
        + (case when tuesday_minutes > 0 then 1 else 0 end)
        + (case when wednesday_minutes > 0 then 1 else 0 end)
        + (case when thursday_minutes > 0 then 1 else 0 end)
        + (case when friday_minutes > 0 then 1 else 0 end)
        + (case when saturday_minutes > 0 then 1 else 0 end)
        + (case when sunday_minutes > 0 then 1 else 0 end) as working_days_per_week
    from renamed

)

select * from totalled
