{{ config(materialized='audited_table', fail_after_build=var('fail', false),
          post_hook="insert into {{ this }} (id, note) values (99, 'post-hook')") }}
select {{ var('id', 1) }} as id, 'model' as note
