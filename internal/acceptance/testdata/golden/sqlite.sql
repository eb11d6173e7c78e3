-- related hasOne
SELECT "phones".* FROM "phones" WHERE "phones"."user_id" = ? and "phones"."user_id" is not null LIMIT 1;

-- related hasMany
SELECT "posts".* FROM "posts" WHERE "posts"."user_id" = ? and "posts"."user_id" is not null ORDER BY "posts"."id" asc;

-- related belongsTo
SELECT "users".* FROM "users" WHERE "users"."id" = ? LIMIT 1;

-- related belongsToMany with pivot filter
SELECT "roles".*, "role_user"."user_id" as "pivot_user_id", "role_user"."role_id" as "pivot_role_id", "role_user"."active" as "pivot_active" FROM "roles" inner join "role_user" on "roles"."id" = "role_user"."role_id" WHERE "role_user"."user_id" = ? and ("role_user"."active" = ?);

-- related constrained relation with or
SELECT "comments".* FROM "comments" WHERE "comments"."post_id" = ? and "comments"."post_id" is not null and content LIKE ? and (votes = ?);

-- has
SELECT "users".* FROM "users" WHERE exists (select * from "posts" where "users"."id" = "posts"."user_id");

-- has count
SELECT "posts".* FROM "posts" WHERE (select count(*) from "comments" where "posts"."id" = "comments"."post_id") >= 2;

-- doesntHave belongsToMany
SELECT "users".* FROM "users" WHERE not exists (select * from "roles" join "role_user" on "roles"."id" = "role_user"."role_id" where "users"."id" = "role_user"."user_id");

-- whereHas constrained
SELECT "posts".* FROM "posts" WHERE exists (select * from "comments" where "posts"."id" = "comments"."post_id" and "comments"."votes" > ?);

-- has nested path
SELECT "users".* FROM "users" WHERE exists (select * from "posts" where "users"."id" = "posts"."user_id" and exists (select * from "comments" where "posts"."id" = "comments"."post_id"));

-- eager hasOne, hasMany, belongsToMany
select "phones".* from "phones" where "phones"."user_id" in (?, ?, ?);
select "posts".* from "posts" where "posts"."user_id" in (?, ?, ?);
select "roles".*, "role_user"."user_id" as "pivot_user_id", "role_user"."role_id" as "pivot_role_id", "role_user"."active" as "pivot_active" from "roles" inner join "role_user" on "roles"."id" = "role_user"."role_id" where "role_user"."user_id" in (?, ?, ?);

-- eager belongsTo
select "users".* from "users" where "users"."id" in (?, ?);

-- eager constrained and nested
SELECT "comments".* FROM "comments" WHERE "comments"."post_id" in (?, ?) and ("comments"."votes" > ?);
select "images".* from "images" where "images"."comment_id" in (?, ?);

-- eager columns
select "comments"."content", "comments"."post_id" from "comments" where "comments"."post_id" in (?, ?);

-- aggregate columns
SELECT "posts".*, (select count(*) from "comments" where "posts"."id" = "comments"."post_id") as "comments_count", coalesce((select sum("comments"."votes") from "comments" where "posts"."id" = "comments"."post_id"), 0) as "comments_sum_votes", exists (select * from "comments" where "posts"."id" = "comments"."post_id" and "comments"."votes" > ?) as "comments_exists" FROM "posts" ORDER BY "posts"."id" asc;

-- deferred count
select "comments"."post_id", count(*) from "comments" where "comments"."post_id" in (?, ?, ?) group by "comments"."post_id";

-- deferred combined
select "comments"."post_id", count(*), sum("comments"."votes") from "comments" where "comments"."post_id" in (?, ?, ?) group by "comments"."post_id";

-- pivot sync
select "role_user"."role_id" from "role_user" where "role_user"."user_id" = ?;
delete from "role_user" where "role_user"."user_id" = ? and "role_user"."role_id" in (?);
insert into "role_user" ("role_id", "user_id") values (?, ?);

-- pivot attach and detach
insert into "role_user" ("role_id", "user_id", "active") values (?, ?, ?);
delete from "role_user" where "role_user"."user_id" = ? and "role_user"."role_id" in (?);

