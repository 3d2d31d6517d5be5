-- The floor of the dbt utilization path: marts.mart_utilization_monthly computed by ONE
-- hand-written DuckDB query straight from the raw tables (raw_kantata.*, raw_jira.users,
-- raw_salesforce.user) and the two dbt seeds it needs (read from their CSV files).
-- `make bench` times it against `dbt build --select +mart_utilization_monthly` and checks
-- that it gives the mart's numbers exactly (bench/dbt_floor.py).
--
-- Placeholders filled by bench/dbt_floor.py: {as_of} (YYYY-MM-DD), {seeds} (the dbt
-- project's seeds folder).
--
-- What it assumes (true of a warehouse refreshed at a single as-of date, which is what the
-- bench builds): the org history (snp_consultant_org -> dim_consultant_history) holds one
-- version per consultant, today's org, in force on every day. The rules are DOMAIN.md §2:
-- capacity = workweek minutes of the weekday / 60 (no workweek: FTE x 8 on Mon-Fri), 0 on
-- a holiday of the calendar followed that day or outside employment; time off capped at
-- capacity; rejected timesheets count nowhere; sums first, ratios of the sums.
with

targets as (
    select role, cast(target_billable_utilization as double) as target_billable_utilization
    from read_csv('{seeds}/utilization_targets.csv', header = true,
        columns = {'role': 'VARCHAR', 'target_billable_utilization': 'DOUBLE'})
),

overrides as (
    select lower(trim(system)) as system, trim(source_id) as source_id,
        nullif(lower(trim(email)), '') as email
    from read_csv('{seeds}/identity_overrides.csv', header = true,
        columns = {'system': 'VARCHAR', 'source_id': 'VARCHAR', 'email': 'VARCHAR'})
),

field_names as (
    select field, custom_field_name, subject_type
    from read_csv('{seeds}/kantata_custom_field_names.csv', header = true,
        columns = {'field': 'VARCHAR', 'custom_field_name': 'VARCHAR',
            'subject_type': 'VARCHAR'})
),

-- custom field values, a choice field's value named by its choices' labels
field_values as (
    select v.id, v.subject_type, v.subject_id, v.custom_field_id, f.name as field_name,
        nullif(trim(v.value), '') as value,
        coalesce(lower(f.value_type) in ('single', 'multi', 'choice'), false) as is_choice
    from raw_kantata.custom_field_values as v
    left join (
        select id, trim(name) as name, value_type from raw_kantata.custom_fields
        where not coalesce(_deleted, false)
    ) as f on v.custom_field_id = f.id
    where not coalesce(v._deleted, false)
),

choice_labels as (
    select ids.id,
        string_agg(coalesce(c.label, ids.choice_id), ', '
            order by coalesce(c.label, ids.choice_id)) as labels
    from (
        select fv.id, fv.custom_field_id, trim(u.choice_id) as choice_id
        from field_values as fv,
            unnest(string_to_array(regexp_replace(fv.value, '[\[\]"'' ]', '', 'g'), ','))
                as u (choice_id)
        where fv.is_choice and fv.value is not null
    ) as ids
    left join (
        select id, custom_field_id, trim(label) as label from raw_kantata.custom_field_choices
        where not coalesce(_deleted, false)
    ) as c on ids.choice_id = c.id and ids.custom_field_id = c.custom_field_id
    where ids.choice_id <> ''
    group by ids.id
),

subject_fields as (
    select fv.subject_type, fv.subject_id, n.field,
        case when fv.is_choice then cl.labels else fv.value end as value
    from field_values as fv
    left join choice_labels as cl on fv.id = cl.id
    inner join field_names as n
        on lower(trim(fv.field_name)) = lower(trim(n.custom_field_name))
        and fv.subject_type = n.subject_type
),

user_fields as (
    select subject_id as user_id,
        max(case when field = 'region' then upper(value) end) as region,
        max(case when field = 'team' then value end) as team,
        max(case when field = 'hire_date' then value end) as hire_date_text
    from subject_fields where subject_type = 'User'
    group by subject_id
),

internal_workspaces as (
    select w.id as workspace_id
    from raw_kantata.workspaces as w
    inner join subject_fields as sf
        on sf.subject_type = 'Workspace' and sf.subject_id = w.id
        and sf.field = 'engagement_type'
    where not coalesce(w._deleted, false)
    group by w.id
    having lower(max(sf.value)) = 'internal'
),

workweeks as (
    select id as workweek_id,
        coalesce(monday_minutes, 0) as mon, coalesce(tuesday_minutes, 0) as tue,
        coalesce(wednesday_minutes, 0) as wed, coalesce(thursday_minutes, 0) as thu,
        coalesce(friday_minutes, 0) as fri, coalesce(saturday_minutes, 0) as sat,
        coalesce(sunday_minutes, 0) as sun
    from raw_kantata.workweeks where not coalesce(_deleted, false)
),

workweek_memberships as (
    select id, workweek_id as value_id, user_id, start_date, end_date
    from raw_kantata.workweek_memberships where not coalesce(_deleted, false)
),

calendar_memberships as (
    select id, holiday_calendar_id as value_id, user_id, start_date, end_date
    from raw_kantata.holiday_calendar_memberships where not coalesce(_deleted, false)
),

-- one row per Kantata user: role, target, employment, region, team, FTE
kantata_users as (
    select u.id as user_id, nullif(lower(trim(u.email_address)), '') as email,
        r.role_name, m.billability_target, m.termination_date,
        coalesce(m.is_disabled, false) as is_disabled,
        uf.region, uf.team, cast(try_cast(uf.hire_date_text as timestamp) as date) as hire_date,
        coalesce(cast(ww.mon + ww.tue + ww.wed + ww.thu + ww.fri + ww.sat + ww.sun as double)
            / 2400, 1.0) as fte
    from raw_kantata.users as u
    left join (
        select user_id, default_role_id, billability_target / 100.0 as billability_target,
            cast(disabled_at as date) as termination_date, disabled_at is not null as is_disabled
        from raw_kantata.account_memberships where not coalesce(_deleted, false)
        qualify row_number() over (partition by user_id
            order by disabled_at is not null, updated_at desc nulls last, id) = 1
    ) as m on u.id = m.user_id
    left join (
        select id, trim(name) as role_name from raw_kantata.roles
        where not coalesce(_deleted, false)
    ) as r on m.default_role_id = r.id
    left join user_fields as uf on u.id = uf.user_id
    left join (
        select user_id, value_id from workweek_memberships
        qualify row_number() over (partition by user_id order by
            case when start_date <= date '{as_of}' - 1
                and coalesce(end_date, date '{as_of}' - 1) >= date '{as_of}' - 1 then 0
                else 1 end,
            start_date desc nulls last) = 1
    ) as cw on u.id = cw.user_id
    left join workweeks as ww on cw.value_id = ww.workweek_id
    where not coalesce(u._deleted, false)
),

-- every person record of the three systems, keyed by the human (e-mail) it belongs to
identities as (
    select r.system, r.source_id,
        coalesce(o.email, r.email, r.system || ':' || r.source_id) as consultant_key,
        row_number() over (
            partition by r.system, coalesce(o.email, r.email, r.system || ':' || r.source_id)
            order by r.is_active desc nulls last, r.source_id
        ) = 1 as is_primary_record
    from (
        select 'kantata' as system, user_id as source_id, email, not is_disabled as is_active
        from kantata_users
        union all
        select 'jira', account_id, nullif(lower(trim(email_address)), ''),
            coalesce(active, false)
        from raw_jira.users where not coalesce(_deleted, false)
        union all
        select 'salesforce', id, nullif(lower(trim(email)), ''), coalesce(isactive, false)
        from raw_salesforce.user where not coalesce(_deleted, false)
    ) as r
    left join overrides as o on r.system = o.system and r.source_id = o.source_id
),

kantata_identities as (
    select source_id, consultant_key from identities where system = 'kantata'
),

-- one row per human with a Kantata user, with the org of that user (today's org)
consultants as (
    select i.consultant_key, ku.user_id as kantata_user_id, ku.role_name as role, ku.region,
        ku.team, ku.billability_target, ku.fte, ku.hire_date, ku.termination_date,
        t.role is not null as is_delivery_role,
        coalesce(ku.billability_target, t.target_billable_utilization) as target_utilization
    from identities as i
    inner join kantata_users as ku on i.source_id = ku.user_id
    left join targets as t on ku.role_name = t.role
    where i.system = 'kantata' and i.is_primary_record
),

-- time entries with their person and hour category; rejected timesheets count nowhere
time_entries as (
    select te.id, ki.consultant_key, te.user_id, te.workspace_id,
        te.date_performed as date_day,
        cast(coalesce(te.time_in_minutes, 0) as double) / 60 as hours,
        case
            when iw.workspace_id is not null then 'internal'
            when coalesce(te.billable, false) then 'billable'
            else 'client_non_billable'
        end as hour_category
    from raw_kantata.time_entries as te
    left join internal_workspaces as iw on te.workspace_id = iw.workspace_id
    left join kantata_identities as ki on te.user_id = ki.source_id
    where not coalesce(te._deleted, false)
),

rejected_entries as (
    select id from (
        select te.id, lower(trim(s.status)) as status
        from time_entries as te
        inner join raw_kantata.timesheet_submissions as s
            on te.user_id = s.user_id and te.workspace_id = s.workspace_id
            and te.date_day between s.start_date and s.end_date
            and not coalesce(s._deleted, false)
        qualify row_number() over (partition by te.id
            order by s.updated_at desc nulls last, s.id desc nulls last) = 1
    ) where status = 'rejected'
),

counted_entries as (
    select * from time_entries
    where id not in (select id from rejected_entries)
),

hours_by_day as (
    select consultant_key, date_day,
        sum(case when hour_category = 'billable' then hours else 0 end) as billable_hours,
        sum(case when hour_category = 'client_non_billable' then hours else 0 end)
            as client_non_billable_hours,
        sum(case when hour_category = 'internal' then hours else 0 end) as internal_hours
    from counted_entries
    group by consultant_key, date_day
),

time_off_by_day as (
    select ki.consultant_key, t.requested_date as date_day,
        sum(coalesce(t.hours, 0)) as requested_hours
    from raw_kantata.time_off_entries as t
    inner join kantata_identities as ki on t.user_id = ki.source_id
    where not coalesce(t._deleted, false)
    group by ki.consultant_key, t.requested_date
),

time_window as (
    select (select min(date_day) from time_entries) as first_day,
        date '{as_of}' - 1 as last_day
),

-- person-days: employed days, plus any day with counted time or time off
consultant_days as (
    select c.consultant_key, cast(d.day as date) as date_day
    from consultants as c, time_window as w,
        range(w.first_day, w.last_day + 1, interval 1 day) as d (day)
    where cast(d.day as date) >= coalesce(c.hire_date, w.first_day)
        and cast(d.day as date) <= coalesce(c.termination_date, w.last_day)
    union
    select a.consultant_key, a.date_day
    from (
        select consultant_key, date_day from counted_entries
        union
        select consultant_key, date_day from time_off_by_day
    ) as a
    inner join consultants as c on a.consultant_key = c.consultant_key
    cross join time_window as w
    where a.date_day between w.first_day and w.last_day
),

-- holiday calendars: the region each belongs to, and each region's primary calendar
region_calendars as (
    select region, holiday_calendar_id from (
        select hc.id as holiday_calendar_id,
            coalesce(top.region, case
                when upper(trim(hc.name)) like '%AMER%' then 'AMER'
                when upper(trim(hc.name)) like '%EMEA%' then 'EMEA'
                when upper(trim(hc.name)) like '%APAC%' then 'APAC'
            end) as region,
            coalesce(top.follower_count, 0) as follower_count,
            trim(hc.name) as calendar_name
        from raw_kantata.holiday_calendars as hc
        left join (
            select m.value_id as holiday_calendar_id, ku.region,
                count(distinct m.user_id) as follower_count
            from calendar_memberships as m
            inner join kantata_users as ku on m.user_id = ku.user_id
            where ku.region is not null
            group by m.value_id, ku.region
            qualify row_number() over (partition by m.value_id
                order by count(distinct m.user_id) desc, ku.region) = 1
        ) as top on hc.id = top.holiday_calendar_id
        where not coalesce(hc._deleted, false)
    )
    where region is not null
    qualify row_number() over (partition by region
        order by follower_count desc, calendar_name) = 1
),

holiday_days as (
    select distinct ch.holiday_calendar_id, cast(d.day as date) as date_day
    from (
        select distinct a.holiday_calendar_id, h.id, h.start_date,
            coalesce(h.end_date, h.start_date) as end_date
        from raw_kantata.holiday_calendar_associations as a
        inner join raw_kantata.holidays as h on a.holiday_id = h.id
        where not coalesce(a._deleted, false) and not coalesce(h._deleted, false)
    ) as ch,
        range(ch.start_date, ch.end_date + 1, interval 1 day) as d (day)
),

person_days as (
    select cd.consultant_key, cd.date_day, c.kantata_user_id, c.region, c.role, c.team,
        c.fte, c.is_delivery_role, c.target_utilization,
        cd.date_day >= coalesce(c.hire_date, cd.date_day)
        and cd.date_day <= coalesce(c.termination_date, cd.date_day) as is_employed,
        extract(isodow from cd.date_day) as iso_day_of_week
    from consultant_days as cd
    inner join consultants as c on cd.consultant_key = c.consultant_key
),

workweek_in_force as (
    select p.consultant_key, p.date_day, m.value_id as workweek_id
    from person_days as p
    inner join workweek_memberships as m
        on p.kantata_user_id = m.user_id and m.start_date <= p.date_day
        and coalesce(m.end_date, p.date_day) >= p.date_day
    qualify row_number() over (partition by p.consultant_key, p.date_day
        order by m.start_date desc nulls last, m.id desc nulls last) = 1
),

calendar_in_force as (
    select p.consultant_key, p.date_day, m.value_id as holiday_calendar_id
    from person_days as p
    inner join calendar_memberships as m
        on p.kantata_user_id = m.user_id and m.start_date <= p.date_day
        and coalesce(m.end_date, p.date_day) >= p.date_day
    qualify row_number() over (partition by p.consultant_key, p.date_day
        order by m.start_date desc nulls last, m.id desc nulls last) = 1
),

capacity as (
    select p.*,
        case
            when not p.is_employed or hd.holiday_calendar_id is not null then 0.0
            when ww.workweek_id is not null then cast(case p.iso_day_of_week
                when 1 then ww.mon when 2 then ww.tue when 3 then ww.wed when 4 then ww.thu
                when 5 then ww.fri when 6 then ww.sat when 7 then ww.sun end as double) / 60
            when p.iso_day_of_week <= 5 then p.fte * 8
            else 0
        end as capacity_hours,
        coalesce(tod.requested_hours, 0.0) as requested_hours
    from person_days as p
    left join workweek_in_force as wif
        on p.consultant_key = wif.consultant_key and p.date_day = wif.date_day
    left join workweeks as ww on wif.workweek_id = ww.workweek_id
    left join calendar_in_force as cif
        on p.consultant_key = cif.consultant_key and p.date_day = cif.date_day
    left join region_calendars as rc on p.region = rc.region
    left join holiday_days as hd
        on coalesce(cif.holiday_calendar_id, rc.holiday_calendar_id) = hd.holiday_calendar_id
        and p.date_day = hd.date_day
    left join time_off_by_day as tod
        on p.consultant_key = tod.consultant_key and p.date_day = tod.date_day
),

-- the utilization population: days in a delivery role (the seed utilization_targets)
daily as (
    select cap.consultant_key, cap.date_day, cap.is_employed,
        coalesce(cap.region, 'Unassigned') as region, coalesce(cap.role, 'Unassigned') as role,
        coalesce(cap.team, 'Unassigned') as team,
        cast(cap.capacity_hours as double) as capacity_hours,
        cast(least(cap.requested_hours, cap.capacity_hours) as double) as time_off_hours,
        cast(cap.capacity_hours - least(cap.requested_hours, cap.capacity_hours) as double)
            as available_hours,
        cast(coalesce(h.billable_hours, 0) as double) as billable_hours,
        cast(coalesce(h.client_non_billable_hours, 0) as double) as client_non_billable_hours,
        cast(coalesce(h.internal_hours, 0) as double) as internal_hours,
        cast(coalesce(h.client_non_billable_hours, 0) + coalesce(h.internal_hours, 0)
            as double) as non_billable_hours,
        cast(cap.target_utilization as double) as target_utilization,
        cast(date_trunc('month', cap.date_day) as date) as month_start,
        cast(year(cap.date_day) as varchar) || '-Q' || cast(quarter(cap.date_day) as varchar)
            as quarter
    from capacity as cap
    left join hours_by_day as h
        on cap.consultant_key = h.consultant_key and cap.date_day = h.date_day
    where cap.is_delivery_role
),

grouped as (
    select month_start, quarter,
        case
            when grouping(region) = 0 and grouping(role) = 0 and grouping(team) = 0
                then 'region_role_team'
            when grouping(region) = 0 then 'region'
            when grouping(role) = 0 then 'role'
            when grouping(team) = 0 then 'team'
            else 'org'
        end as grain,
        case when grouping(region) = 1 then 'All' else region end as region,
        case when grouping(role) = 1 then 'All' else role end as role,
        case when grouping(team) = 1 then 'All' else team end as team,
        count(distinct case when is_employed then consultant_key end) as headcount,
        count(*) as person_days,
        sum(capacity_hours) as capacity_hours,
        sum(time_off_hours) as time_off_hours,
        sum(available_hours) as available_hours,
        sum(billable_hours) as billable_hours,
        sum(client_non_billable_hours) as client_non_billable_hours,
        sum(internal_hours) as internal_hours,
        sum(non_billable_hours) as non_billable_hours,
        sum(target_utilization * available_hours) as target_weighted_hours,
        avg(target_utilization) as mean_daily_target
    from daily
    group by grouping sets (
        (month_start, quarter, region, role, team),
        (month_start, quarter, region),
        (month_start, quarter, role),
        (month_start, quarter, team),
        (month_start, quarter)
    )
),

ratios as (
    select *,
        case when coalesce(available_hours, 0) = 0 then null
            else billable_hours / available_hours end as billable_utilization,
        case when coalesce(available_hours, 0) = 0 then null
            else (billable_hours + client_non_billable_hours) / available_hours
        end as productive_utilization,
        coalesce(case when coalesce(available_hours, 0) = 0 then null
            else target_weighted_hours / available_hours end, mean_daily_target)
            as target_utilization
    from grouped
)

select
    month_start,
    quarter,
    grain,
    region,
    role,
    team,
    month_start + interval 1 month <= date '{as_of}' as is_complete_month,
    cast(headcount as integer) as headcount,
    cast(person_days as integer) as person_days,
    capacity_hours,
    time_off_hours,
    available_hours,
    billable_hours,
    client_non_billable_hours,
    internal_hours,
    non_billable_hours,
    billable_utilization,
    productive_utilization,
    target_utilization,
    billable_utilization - target_utilization as utilization_gap,
    coalesce(billable_utilization > 1.5, false) as is_over_150_percent
from ratios
