-- related morphMany
select `tx_comments`.`id`, `tx_comments`.`commentable_type`, `tx_comments`.`commentable_id`, `tx_comments`.`body` from `tx_comments` where `tx_comments`.`commentable_id` = ? and `tx_comments`.`commentable_id` is not null and `tx_comments`.`commentable_type` = ?;

-- eager morphMany
select `tx_comments`.`id`, `tx_comments`.`commentable_type`, `tx_comments`.`commentable_id`, `tx_comments`.`body` from `tx_comments` where `tx_comments`.`commentable_id` in (?, ?) and `tx_comments`.`commentable_type` = ?;

-- has morphMany
select `tx_posts`.`id`, `tx_posts`.`title` from `tx_posts` where exists (select * from `tx_comments` where cast(`tx_posts`.`id` as char) = `tx_comments`.`commentable_id` and `tx_comments`.`commentable_type` = ?);

-- aggregate morphMany count
select `tx_posts`.`id`, `tx_posts`.`title`, (select count(*) from `tx_comments` where cast(`tx_posts`.`id` as char) = `tx_comments`.`commentable_id` and `tx_comments`.`commentable_type` = ?) as `comments_count` from `tx_posts`;

-- deferred morphMany count
select `tx_comments`.`commentable_id`, count(*) from `tx_comments` where `tx_comments`.`commentable_id` in (?, ?) and `tx_comments`.`commentable_type` = ? group by `tx_comments`.`commentable_id`;

-- eager morphToMany
select `tx_tags`.`id`, `tx_tags`.`name`, `tx_taggables`.`taggable_id` as `pivot_taggable_id`, `tx_taggables`.`tag_id` as `pivot_tag_id`, `tx_taggables`.`taggable_type` as `pivot_taggable_type` from `tx_tags` inner join `tx_taggables` on `tx_tags`.`id` = `tx_taggables`.`tag_id` where `tx_taggables`.`taggable_id` in (?, ?) and `tx_taggables`.`taggable_type` = ?;

-- has morphToMany
select `tx_posts`.`id`, `tx_posts`.`title` from `tx_posts` where exists (select * from `tx_tags` join `tx_taggables` on `tx_tags`.`id` = `tx_taggables`.`tag_id` where cast(`tx_posts`.`id` as char) = `tx_taggables`.`taggable_id` and `tx_taggables`.`taggable_type` = ?);

-- related morphedByMany
select `tx_posts`.`id`, `tx_posts`.`title`, `tx_taggables`.`tag_id` as `pivot_tag_id`, `tx_taggables`.`taggable_id` as `pivot_taggable_id`, `tx_taggables`.`taggable_type` as `pivot_taggable_type` from `tx_posts` inner join `tx_taggables` on cast(`tx_posts`.`id` as char) = `tx_taggables`.`taggable_id` where `tx_taggables`.`tag_id` = ? and `tx_taggables`.`taggable_type` = ?;

-- morphToMany sync many
select 1 from `tx_posts` where `tx_posts`.`id` in (?, ?) order by `tx_posts`.`id` for update;
select `tx_taggables`.`taggable_id`, `tx_taggables`.`tag_id` from `tx_taggables` where `tx_taggables`.`taggable_id` in (?, ?) and `tx_taggables`.`taggable_type` = ?;
delete from `tx_taggables` where (`tx_taggables`.`taggable_id`, `tx_taggables`.`tag_id`) in ((?, ?), (?, ?), (?, ?)) and `tx_taggables`.`taggable_type` = ?;

-- morphedByMany sync many
select 1 from `tx_tags` where `tx_tags`.`id` in (?, ?) order by `tx_tags`.`id` for update;
select `tx_taggables`.`tag_id`, `tx_taggables`.`taggable_id` from `tx_taggables` where `tx_taggables`.`tag_id` in (?, ?) and `tx_taggables`.`taggable_type` = ?;
insert into `tx_taggables` (`taggable_id`, `tag_id`, `taggable_type`) values (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?);

-- eager morphTo
select `tx_posts`.`id`, `tx_posts`.`title` from `tx_posts` where `tx_posts`.`id` in (?);
select `tx_docs`.`id`, `tx_docs`.`title` from `tx_docs` where `tx_docs`.`id` in (?);

-- whereHasMorph
select `tx_comments`.`id`, `tx_comments`.`commentable_type`, `tx_comments`.`commentable_id`, `tx_comments`.`body` from `tx_comments` where ((`tx_comments`.`commentable_type` = ? and exists (select * from `tx_posts` where `tx_comments`.`commentable_id` = cast(`tx_posts`.`id` as char))));

-- whereMorphedTo
select `tx_comments`.`id`, `tx_comments`.`commentable_type`, `tx_comments`.`commentable_id`, `tx_comments`.`body` from `tx_comments` where (`tx_comments`.`commentable_type` = ? and `tx_comments`.`commentable_id` = ?);

