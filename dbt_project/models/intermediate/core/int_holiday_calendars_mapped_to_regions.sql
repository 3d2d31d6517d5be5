-- One row per holiday calendar with the region it belongs to: the region most of its
-- followers have (Kantata user custom field Region), else the region its name mentions.
-- The calendar with the most followers in a region is that region's primary calendar.
with

calendars as (

    select * from {{ ref('stg_kantata__holiday_calendars') }}

),

memberships as (

    select * from {{ ref('stg_kantata__holiday_calendar_memberships') }}

),

users as (

    select * from {{ ref('int_kantata_users_enriched') }}

),

follower_regions as (

    select
        memberships.holiday_calendar_id,
        users.region,
        count(distinct memberships.user_id) as follower_count
    from memberships
    inner join users
        on memberships.user_id = users.user_id
    where users.region is not null
    group by memberships.holiday_calendar_id, users.region

),

top_follower_region as (

    select *
    from (
        select
            holiday_calendar_id,
            region,
            follower_count,
            row_number() over (
                partition by holiday_calendar_id order by follower_count desc, region
            ) as region_rank
        from follower_regions
    ) as ranked
    where region_rank = 1

),

mapped as (

    select
        calendars.holiday_calendar_id,
        calendars.holiday_calendar_name,
        coalesce(
            top_follower_region.region,
            case
                when upper(calendars.holiday_calendar_name) like '%AMER%' then 'AMER'
                when upper(calendars.holiday_calendar_name) like '%EMEA%' then 'EMEA'
                when upper(calendars.holiday_calendar_name) like '%APAC%' then 'APAC'
            end
        ) as region,
        coalesce(top_follower_region.follower_count, 0) as follower_count
    from calendars
    left join top_follower_region
        on calendars.holiday_calendar_id = top_follower_region.holiday_calendar_id

),

ranked as (

    select
        *,
        region is not null
        and row_number() over (
            partition by region order by follower_count desc, holiday_calendar_name
        ) = 1 as is_region_primary_calendar
    from mapped

)

select * from ranked
