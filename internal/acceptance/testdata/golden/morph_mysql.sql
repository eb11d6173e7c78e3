-- related morphMany
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`commentable_id` = ? and `comments`.`commentable_id` is not null and `comments`.`commentable_type` = ?;

-- related morphOne
select `images`.`id`, `images`.`imageable_type`, `images`.`imageable_id`, `images`.`url` from `images` where `images`.`imageable_id` = ? and `images`.`imageable_id` is not null and `images`.`imageable_type` = ? limit 1;

-- create through morphMany
insert into `comments` (`commentable_type`, `commentable_id`, `body`) values (?, ?, ?) returning `id`;

-- has morphMany
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at` from `posts` where (select count(*) from `comments` where `posts`.`id` = `comments`.`commentable_id` and `comments`.`commentable_type` = ?) >= 2;

-- has self morphMany
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where exists (select * from `comments` as `relkit_reserved_0` where `comments`.`id` = `relkit_reserved_0`.`commentable_id` and `relkit_reserved_0`.`commentable_type` = ?);

-- eager morphMany and morphOne
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`commentable_id` in (?, ?) and `comments`.`commentable_type` = ?;
select `images`.`id`, `images`.`imageable_type`, `images`.`imageable_id`, `images`.`url` from `images` where `images`.`imageable_id` in (?, ?) and `images`.`imageable_type` = ?;

-- eager morphMany with a per-parent limit
select * from (select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body`, row_number() over (partition by `comments`.`commentable_id` order by `comments`.`id`) as `relkit_row` from `comments` where `comments`.`commentable_id` in (?, ?) and `comments`.`commentable_type` = ?) as `relkit_table` where `relkit_row` <= 1 order by `relkit_row`;

-- aggregate morphMany count
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at`, (select count(*) from `comments` where `posts`.`id` = `comments`.`commentable_id` and `comments`.`commentable_type` = ?) as `comments_count` from `posts`;

-- deferred morphMany count
select `comments`.`commentable_id`, count(*) from `comments` where `comments`.`commentable_id` in (?, ?) and `comments`.`commentable_type` = ? group by `comments`.`commentable_id`;

-- related morphToMany
select `tags`.`id`, `tags`.`name`, `tags`.`updated_at`, `taggables`.`taggable_id` as `pivot_taggable_id`, `taggables`.`tag_id` as `pivot_tag_id`, `taggables`.`taggable_type` as `pivot_taggable_type` from `tags` inner join `taggables` on `tags`.`id` = `taggables`.`tag_id` where `taggables`.`taggable_id` = ? and `taggables`.`taggable_type` = ?;

-- related morphedByMany
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at`, `taggables`.`tag_id` as `pivot_tag_id`, `taggables`.`taggable_id` as `pivot_taggable_id`, `taggables`.`taggable_type` as `pivot_taggable_type` from `posts` inner join `taggables` on `posts`.`id` = `taggables`.`taggable_id` where `taggables`.`tag_id` = ? and `taggables`.`taggable_type` = ?;

-- eager morphToMany
select `tags`.`id`, `tags`.`name`, `tags`.`updated_at`, `taggables`.`taggable_id` as `pivot_taggable_id`, `taggables`.`tag_id` as `pivot_tag_id`, `taggables`.`taggable_type` as `pivot_taggable_type` from `tags` inner join `taggables` on `tags`.`id` = `taggables`.`tag_id` where `taggables`.`taggable_id` in (?, ?) and `taggables`.`taggable_type` = ?;

-- has morphToMany
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at` from `posts` where exists (select * from `tags` join `taggables` on `tags`.`id` = `taggables`.`tag_id` where `posts`.`id` = `taggables`.`taggable_id` and `taggables`.`taggable_type` = ?);

-- aggregate morphToMany count
select `videos`.`id`, `videos`.`title`, (select count(*) from `tags` join `taggables` on `tags`.`id` = `taggables`.`tag_id` where `videos`.`id` = `taggables`.`taggable_id` and `taggables`.`taggable_type` = ?) as `tags_count` from `videos`;

-- morphToMany attach and detach
select 1 from `videos` where `videos`.`id` in (?) order by `videos`.`id` for update;
insert into `taggables` (`tag_id`, `taggable_id`, `taggable_type`) values (?, ?, ?);
select 1 from `videos` where `videos`.`id` in (?) order by `videos`.`id` for update;
delete from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`tag_id` in (?) and `taggables`.`taggable_type` = ?;

-- morphToMany sync
select 1 from `videos` where `videos`.`id` in (?) order by `videos`.`id` for update;
select `taggables`.`tag_id` from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`taggable_type` = ?;
delete from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`tag_id` in (?) and `taggables`.`taggable_type` = ?;
insert into `taggables` (`tag_id`, `taggable_id`, `taggable_type`) values (?, ?, ?);

-- morphToMany toggle
select 1 from `videos` where `videos`.`id` in (?) order by `videos`.`id` for update;
select `taggables`.`tag_id` from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`taggable_type` = ?;
delete from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`tag_id` in (?) and `taggables`.`taggable_type` = ?;
insert into `taggables` (`tag_id`, `taggable_id`, `taggable_type`) values (?, ?, ?);

-- morphToMany updateExistingPivot
select 1 from `videos` where `videos`.`id` in (?) order by `videos`.`id` for update;
update `taggables` set `note` = ? where `taggables`.`taggable_id` = ? and `taggables`.`tag_id` in (?) and `taggables`.`taggable_type` = ?;

-- morphToMany touch
update `tags` set `updated_at` = ? where `tags`.`id` in (select `taggables`.`tag_id` from `taggables` where `taggables`.`taggable_id` = ? and `taggables`.`taggable_type` = ?);

-- eager morphTo
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at` from `posts` where `posts`.`id` in (?, ?);
select `videos`.`id`, `videos`.`title` from `videos` where `videos`.`id` in (?);
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`id` in (?);

-- eager morphTo with a constraint
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at` from `posts` where id > ? and `posts`.`id` in (?, ?);
select `videos`.`id`, `videos`.`title` from `videos` where id > ? and `videos`.`id` in (?);
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where id > ? and `comments`.`id` in (?);

-- eager morphTo with per-type loads, a constraint and a count
select `posts`.`id`, `posts`.`title`, `posts`.`updated_at`, (select count(*) from `comments` where `posts`.`id` = `comments`.`commentable_id` and `comments`.`commentable_type` = ?) as `comments_count` from `posts` where id > ? and `posts`.`id` in (?, ?) and (title <> ?);
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`commentable_id` in (?, ?) and `comments`.`commentable_type` = ?;
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`commentable_id` in (?, ?, ?) and `comments`.`commentable_type` = ?;
select `videos`.`id`, `videos`.`title` from `videos` where id > ? and `videos`.`id` in (?);
select `tags`.`id`, `tags`.`name`, `tags`.`updated_at`, `taggables`.`taggable_id` as `pivot_taggable_id`, `taggables`.`tag_id` as `pivot_tag_id`, `taggables`.`taggable_type` as `pivot_taggable_type` from `tags` inner join `taggables` on `tags`.`id` = `taggables`.`tag_id` where `taggables`.`taggable_id` in (?) and `taggables`.`taggable_type` = ?;
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where id > ? and `comments`.`id` in (?);

-- related morphTo
select `videos`.`id`, `videos`.`title` from `videos` where `videos`.`id` = ? limit 1;

-- related morphTo query
select `videos`.`id`, `videos`.`title` from `videos` where `videos`.`id` = ?;

-- where morphed to
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where (`comments`.`commentable_type` = ? and `comments`.`commentable_id` = ?);

-- where morphed to nothing
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where `comments`.`commentable_type` is null;

-- has morphTo
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where ((`comments`.`commentable_type` = ? and exists (select * from `posts` where `comments`.`commentable_id` = `posts`.`id` and title = ?)) or (`comments`.`commentable_type` = ? and exists (select * from `comments` as `relkit_reserved_0` where `comments`.`commentable_id` = `relkit_reserved_0`.`id`)));

-- doesnt have morphTo, every target
select `comments`.`id`, `comments`.`commentable_type`, `comments`.`commentable_id`, `comments`.`body` from `comments` where ((`comments`.`commentable_type` = ? and not exists (select * from `posts` where `comments`.`commentable_id` = `posts`.`id`)) or (`comments`.`commentable_type` = ? and not exists (select * from `videos` where `comments`.`commentable_id` = `videos`.`id`)) or (`comments`.`commentable_type` = ? and not exists (select * from `comments` as `relkit_reserved_0` where `comments`.`commentable_id` = `relkit_reserved_0`.`id`)) or `comments`.`commentable_type` is null);

