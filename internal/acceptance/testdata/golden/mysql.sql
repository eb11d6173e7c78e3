-- related hasOne
select `phones`.`id`, `phones`.`user_id`, `phones`.`number` from `phones` where `phones`.`user_id` = ? and `phones`.`user_id` is not null limit 1;

-- related hasMany
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` where `posts`.`user_id` = ? and `posts`.`user_id` is not null order by `posts`.`id` asc;

-- related belongsTo
select `users`.`id`, `users`.`name` from `users` where `users`.`id` = ? limit 1;

-- related belongsToMany with pivot filter
select `roles`.`id`, `roles`.`name`, `role_user`.`user_id` as `pivot_user_id`, `role_user`.`role_id` as `pivot_role_id`, `role_user`.`active` as `pivot_active` from `roles` inner join `role_user` on `roles`.`id` = `role_user`.`role_id` where `role_user`.`user_id` = ? and (`role_user`.`active` = ?);

-- related constrained relation with or
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes` from `comments` where `comments`.`post_id` = ? and `comments`.`post_id` is not null and content LIKE ? and (votes = ?);

-- has
select `users`.`id`, `users`.`name` from `users` where exists (select * from `posts` where `users`.`id` = `posts`.`user_id`);

-- has count
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` where (select count(*) from `comments` where `posts`.`id` = `comments`.`post_id`) >= 2;

-- doesntHave belongsToMany
select `users`.`id`, `users`.`name` from `users` where not exists (select * from `roles` join `role_user` on `roles`.`id` = `role_user`.`role_id` where `users`.`id` = `role_user`.`user_id`);

-- whereHas constrained
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` where exists (select * from `comments` where `posts`.`id` = `comments`.`post_id` and `comments`.`votes` > ?);

-- has nested path
select `users`.`id`, `users`.`name` from `users` where exists (select * from `posts` where `users`.`id` = `posts`.`user_id` and exists (select * from `comments` where `posts`.`id` = `comments`.`post_id`));

-- eager hasOne, hasMany, belongsToMany
select `phones`.`id`, `phones`.`user_id`, `phones`.`number` from `phones` where `phones`.`user_id` in (?, ?, ?);
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` where `posts`.`user_id` in (?, ?, ?);
select `roles`.`id`, `roles`.`name`, `role_user`.`user_id` as `pivot_user_id`, `role_user`.`role_id` as `pivot_role_id`, `role_user`.`active` as `pivot_active` from `roles` inner join `role_user` on `roles`.`id` = `role_user`.`role_id` where `role_user`.`user_id` in (?, ?, ?);

-- eager belongsTo
select `users`.`id`, `users`.`name` from `users` where `users`.`id` in (?, ?);

-- eager constrained and nested
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes` from `comments` where `comments`.`post_id` in (?, ?) and (`comments`.`votes` > ?);
select `images`.`id`, `images`.`comment_id`, `images`.`url` from `images` where `images`.`comment_id` in (?, ?);

-- eager per-parent limit and offset, nested
select * from (select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at`, row_number() over (partition by `posts`.`user_id` order by `posts`.`votes` desc, `posts`.`id`) as `relkit_row` from `posts` where `posts`.`user_id` in (?, ?, ?)) as `relkit_table` where `relkit_row` <= 3 and `relkit_row` > 1 order by `relkit_row`;
select * from (select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes`, row_number() over (partition by `comments`.`post_id` order by `comments`.`id`) as `relkit_row` from `comments` where `comments`.`post_id` in (?)) as `relkit_table` where `relkit_row` <= 1 order by `relkit_row`;

-- eager belongsToMany per-parent limit, columns
select * from (select `roles`.`name`, `roles`.`id`, `role_user`.`user_id` as `pivot_user_id`, `role_user`.`role_id` as `pivot_role_id`, `role_user`.`active` as `pivot_active`, row_number() over (partition by `role_user`.`user_id` order by `roles`.`name` asc, `roles`.`id`) as `relkit_row` from `roles` inner join `role_user` on `roles`.`id` = `role_user`.`role_id` where `role_user`.`user_id` in (?, ?, ?)) as `relkit_table` where `relkit_row` <= 1 order by `relkit_row`;

-- eager columns
select `comments`.`content`, `comments`.`post_id` from `comments` where `comments`.`post_id` in (?, ?);

-- aggregate columns
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at`, (select count(*) from `comments` where `posts`.`id` = `comments`.`post_id`) as `comments_count`, coalesce((select sum(`comments`.`votes`) from `comments` where `posts`.`id` = `comments`.`post_id`), 0) as `comments_sum_votes`, exists (select * from `comments` where `posts`.`id` = `comments`.`post_id` and `comments`.`votes` > ?) as `comments_exists` from `posts` order by `posts`.`id` asc;

-- deferred count
select `comments`.`post_id`, count(*) from `comments` where `comments`.`post_id` in (?, ?, ?) group by `comments`.`post_id`;

-- deferred combined
select `comments`.`post_id`, count(*), sum(`comments`.`votes`) from `comments` where `comments`.`post_id` in (?, ?, ?) group by `comments`.`post_id`;

-- related hasManyThrough
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` = ? order by `comments`.`id` asc;

-- related hasOneThrough
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` = ? limit 1;

-- has hasManyThrough
select `users`.`id`, `users`.`name` from `users` where (exists (select * from `comments` join `posts` on `posts`.`id` = `comments`.`post_id` where `users`.`id` = `posts`.`user_id`) and (select count(*) from `comments` join `posts` on `posts`.`id` = `comments`.`post_id` where `users`.`id` = `posts`.`user_id`) >= 2);

-- eager hasManyThrough and hasOneThrough
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes`, `posts`.`user_id` as `relkit_through_key` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` in (?, ?, ?);
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes`, `posts`.`user_id` as `relkit_through_key` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` in (?, ?, ?);

-- aggregate hasManyThrough count
select `users`.`id`, `users`.`name`, (select count(*) from `comments` join `posts` on `posts`.`id` = `comments`.`post_id` where `users`.`id` = `posts`.`user_id`) as `comments_count` from `users` order by `users`.`id` asc;

-- deferred hasManyThrough count
select `posts`.`user_id`, count(*) from `comments` join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` in (?, ?) group by `posts`.`user_id`;

-- related hasOne of many
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` inner join (select max(`posts`.`id`) as `id_aggregate`, min(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` inner join (select max(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` where `posts`.`user_id` = ? and `posts`.`user_id` is not null group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `posts`.`id` and `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` where `posts`.`user_id` = ? and `posts`.`user_id` is not null limit 1;

-- related hasOneThrough of many
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` inner join (select max(`comments`.`id`) as `id_aggregate`, `posts`.`user_id` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` = ? group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `comments`.`id` and `relkit_of_many`.`user_id` = `posts`.`user_id` where `posts`.`user_id` = ? limit 1;

-- eager hasOne and hasOneThrough of many
select `posts`.`id`, `posts`.`user_id`, `posts`.`title`, `posts`.`votes`, `posts`.`created_at`, `posts`.`updated_at` from `posts` inner join (select max(`posts`.`id`) as `id_aggregate`, min(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` inner join (select max(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` where `posts`.`user_id` in (?, ?, ?) group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `posts`.`id` and `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id`;
select `comments`.`id`, `comments`.`post_id`, `comments`.`content`, `comments`.`votes`, `posts`.`user_id` as `relkit_through_key` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` inner join (select max(`comments`.`id`) as `id_aggregate`, `posts`.`user_id` from `comments` inner join `posts` on `posts`.`id` = `comments`.`post_id` where `posts`.`user_id` in (?, ?, ?) group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `comments`.`id` and `relkit_of_many`.`user_id` = `posts`.`user_id`;

-- whereHas one of many
select `users`.`id`, `users`.`name` from `users` where exists (select * from `posts` join (select max(`posts`.`id`) as `id_aggregate`, min(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` join (select max(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `posts`.`id` and `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` where `users`.`id` = `posts`.`user_id` and `posts`.`votes` > ?);

-- aggregate one of many count
select `users`.`id`, `users`.`name`, (select count(*) from `posts` join (select max(`posts`.`id`) as `id_aggregate`, min(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` join (select max(`posts`.`votes`) as `votes_aggregate`, `posts`.`user_id` from `posts` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` group by `posts`.`user_id`) as `relkit_of_many` on `relkit_of_many`.`id_aggregate` = `posts`.`id` and `relkit_of_many`.`votes_aggregate` = `posts`.`votes` and `relkit_of_many`.`user_id` = `posts`.`user_id` where `users`.`id` = `posts`.`user_id`) as `top_post_count` from `users` order by `users`.`id` asc;

-- pivot sync
select 1 from `users` where `users`.`id` in (?) order by `users`.`id` for update;
select `role_user`.`role_id` from `role_user` where `role_user`.`user_id` = ?;
delete from `role_user` where `role_user`.`user_id` = ? and `role_user`.`role_id` in (?);
insert into `role_user` (`role_id`, `user_id`) values (?, ?);

-- pivot attach and detach
select 1 from `users` where `users`.`id` in (?) order by `users`.`id` for update;
insert into `role_user` (`role_id`, `user_id`, `active`) values (?, ?, ?);
select 1 from `users` where `users`.`id` in (?) order by `users`.`id` for update;
delete from `role_user` where `role_user`.`user_id` = ? and `role_user`.`role_id` in (?);

-- pivot toggle
select 1 from `users` where `users`.`id` in (?) order by `users`.`id` for update;
select `role_user`.`role_id` from `role_user` where `role_user`.`user_id` = ?;
delete from `role_user` where `role_user`.`user_id` = ? and `role_user`.`role_id` in (?);
insert into `role_user` (`role_id`, `user_id`) values (?, ?);

-- pivot touch
update `roles` set `updated_at` = ? where `roles`.`id` in (select `role_user`.`role_id` from `role_user` where `role_user`.`user_id` = ? and (`role_user`.`active` = ?));

-- touch owners of an insert, transitively
insert into `comments` (`post_id`, `content`, `votes`) values (?, ?, ?) returning `id`;
update `posts` set `updated_at` = ? where `posts`.`id` = ?;
update `users` set `updated_at` = ? where `users`.`id` in (select `posts`.`user_id` from `posts` where `posts`.`id` = ?);

-- touch owners of a many-insert
insert into `comments` (`post_id`, `content`, `votes`) values (?, ?, ?), (?, ?, ?) returning `id`;
update `posts` set `updated_at` = ? where `posts`.`id` in (?, ?);
update `users` set `updated_at` = ? where `users`.`id` in (select `posts`.`user_id` from `posts` where `posts`.`id` in (?, ?));

-- touch belongsTo
update `users` set `updated_at` = ? where `users`.`id` = ?;

