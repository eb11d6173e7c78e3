-- related morphMany
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."commentable_id" = $1 and "comments"."commentable_id" is not null and "comments"."commentable_type" = $2;

-- related morphOne
select "images"."id", "images"."imageable_type", "images"."imageable_id", "images"."url" from "images" where "images"."imageable_id" = $1 and "images"."imageable_id" is not null and "images"."imageable_type" = $2 limit 1;

-- create through morphMany
insert into "comments" ("commentable_type", "commentable_id", "body") values ($1, $2, $3) returning "id";

-- has morphMany
select "posts"."id", "posts"."title", "posts"."updated_at" from "posts" where (select count(*) from "comments" where "posts"."id" = "comments"."commentable_id" and "comments"."commentable_type" = $1) >= 2;

-- has self morphMany
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where exists (select * from "comments" as "relkit_reserved_0" where "comments"."id" = "relkit_reserved_0"."commentable_id" and "relkit_reserved_0"."commentable_type" = $1);

-- eager morphMany and morphOne
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."commentable_id" = any($1) and "comments"."commentable_type" = $2;
select "images"."id", "images"."imageable_type", "images"."imageable_id", "images"."url" from "images" where "images"."imageable_id" = any($1) and "images"."imageable_type" = $2;

-- eager morphMany with a per-parent limit
select * from (select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body", row_number() over (partition by "comments"."commentable_id" order by "comments"."id") as "relkit_row" from "comments" where "comments"."commentable_id" = any($1) and "comments"."commentable_type" = $2) as "relkit_table" where "relkit_row" <= 1 order by "relkit_row";

-- aggregate morphMany count
select "posts"."id", "posts"."title", "posts"."updated_at", (select count(*) from "comments" where "posts"."id" = "comments"."commentable_id" and "comments"."commentable_type" = $1) as "comments_count" from "posts";

-- deferred morphMany count
select "comments"."commentable_id", count(*) from "comments" where "comments"."commentable_id" = any($1) and "comments"."commentable_type" = $2 group by "comments"."commentable_id";

-- related morphToMany
select "tags"."id", "tags"."name", "tags"."updated_at", "taggables"."taggable_id" as "pivot_taggable_id", "taggables"."tag_id" as "pivot_tag_id", "taggables"."taggable_type" as "pivot_taggable_type" from "tags" inner join "taggables" on "tags"."id" = "taggables"."tag_id" where "taggables"."taggable_id" = $1 and "taggables"."taggable_type" = $2;

-- related morphedByMany
select "posts"."id", "posts"."title", "posts"."updated_at", "taggables"."tag_id" as "pivot_tag_id", "taggables"."taggable_id" as "pivot_taggable_id", "taggables"."taggable_type" as "pivot_taggable_type" from "posts" inner join "taggables" on "posts"."id" = "taggables"."taggable_id" where "taggables"."tag_id" = $1 and "taggables"."taggable_type" = $2;

-- eager morphToMany
select "tags"."id", "tags"."name", "tags"."updated_at", "taggables"."taggable_id" as "pivot_taggable_id", "taggables"."tag_id" as "pivot_tag_id", "taggables"."taggable_type" as "pivot_taggable_type" from "tags" inner join "taggables" on "tags"."id" = "taggables"."tag_id" where "taggables"."taggable_id" = any($1) and "taggables"."taggable_type" = $2;

-- has morphToMany
select "posts"."id", "posts"."title", "posts"."updated_at" from "posts" where exists (select * from "tags" join "taggables" on "tags"."id" = "taggables"."tag_id" where "posts"."id" = "taggables"."taggable_id" and "taggables"."taggable_type" = $1);

-- aggregate morphToMany count
select "videos"."id", "videos"."title", (select count(*) from "tags" join "taggables" on "tags"."id" = "taggables"."tag_id" where "videos"."id" = "taggables"."taggable_id" and "taggables"."taggable_type" = $1) as "tags_count" from "videos";

-- morphToMany attach and detach
select pg_advisory_xact_lock(hashtextextended($1, 0));
insert into "taggables" ("tag_id", "taggable_id", "taggable_type") values ($1, $2, $3);
select pg_advisory_xact_lock(hashtextextended($1, 0));
delete from "taggables" where "taggables"."taggable_id" = $1 and "taggables"."tag_id" = any($2) and "taggables"."taggable_type" = $3;

-- morphToMany sync
select pg_advisory_xact_lock(hashtextextended($1, 0));
select "taggables"."tag_id" from "taggables" where "taggables"."taggable_id" = $1 and "taggables"."taggable_type" = $2;
with "w1" as (delete from "taggables" where "taggables"."taggable_id" = $1 and "taggables"."tag_id" = any($2) and "taggables"."taggable_type" = $3) insert into "taggables" ("tag_id", "taggable_id", "taggable_type") values ($4, $5, $6);

-- morphToMany toggle
select pg_advisory_xact_lock(hashtextextended($1, 0));
select "taggables"."tag_id" from "taggables" where "taggables"."taggable_id" = $1 and "taggables"."taggable_type" = $2;
with "w1" as (delete from "taggables" where "taggables"."taggable_id" = $1 and "taggables"."tag_id" = any($2) and "taggables"."taggable_type" = $3) insert into "taggables" ("tag_id", "taggable_id", "taggable_type") values ($4, $5, $6);

-- morphToMany updateExistingPivot
select pg_advisory_xact_lock(hashtextextended($1, 0));
update "taggables" set "note" = $1 where "taggables"."taggable_id" = $2 and "taggables"."tag_id" = any($3) and "taggables"."taggable_type" = $4;

-- morphToMany touch
update "tags" set "updated_at" = $1 where "tags"."id" in (select "taggables"."tag_id" from "taggables" where "taggables"."taggable_id" = $2 and "taggables"."taggable_type" = $3);

-- eager morphTo
select "posts"."id", "posts"."title", "posts"."updated_at" from "posts" where "posts"."id" = any($1);
select "videos"."id", "videos"."title" from "videos" where "videos"."id" = any($1);
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."id" = any($1);

-- eager morphTo with a constraint
select "posts"."id", "posts"."title", "posts"."updated_at" from "posts" where id > $1 and "posts"."id" = any($2);
select "videos"."id", "videos"."title" from "videos" where id > $1 and "videos"."id" = any($2);
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where id > $1 and "comments"."id" = any($2);

-- eager morphTo with per-type loads, a constraint and a count
select "posts"."id", "posts"."title", "posts"."updated_at", (select count(*) from "comments" where "posts"."id" = "comments"."commentable_id" and "comments"."commentable_type" = $1) as "comments_count" from "posts" where id > $2 and "posts"."id" = any($3) and (title <> $4);
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."commentable_id" = any($1) and "comments"."commentable_type" = $2;
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."commentable_id" = any($1) and "comments"."commentable_type" = $2;
select "videos"."id", "videos"."title" from "videos" where id > $1 and "videos"."id" = any($2);
select "tags"."id", "tags"."name", "tags"."updated_at", "taggables"."taggable_id" as "pivot_taggable_id", "taggables"."tag_id" as "pivot_tag_id", "taggables"."taggable_type" as "pivot_taggable_type" from "tags" inner join "taggables" on "tags"."id" = "taggables"."tag_id" where "taggables"."taggable_id" = any($1) and "taggables"."taggable_type" = $2;
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where id > $1 and "comments"."id" = any($2);

-- related morphTo
select "videos"."id", "videos"."title" from "videos" where "videos"."id" = $1 limit 1;

-- related morphTo query
select "videos"."id", "videos"."title" from "videos" where "videos"."id" = $1;

-- where morphed to
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where ("comments"."commentable_type" = $1 and "comments"."commentable_id" = $2);

-- where morphed to nothing
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where "comments"."commentable_type" is null;

-- has morphTo
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where (("comments"."commentable_type" = $1 and exists (select * from "posts" where "comments"."commentable_id" = "posts"."id" and title = $2)) or ("comments"."commentable_type" = $3 and exists (select * from "comments" as "relkit_reserved_0" where "comments"."commentable_id" = "relkit_reserved_0"."id")));

-- doesnt have morphTo, every target
select "comments"."id", "comments"."commentable_type", "comments"."commentable_id", "comments"."body" from "comments" where (("comments"."commentable_type" = $1 and not exists (select * from "posts" where "comments"."commentable_id" = "posts"."id")) or ("comments"."commentable_type" = $2 and not exists (select * from "videos" where "comments"."commentable_id" = "videos"."id")) or ("comments"."commentable_type" = $3 and not exists (select * from "comments" as "relkit_reserved_0" where "comments"."commentable_id" = "relkit_reserved_0"."id")) or "comments"."commentable_type" is null);

