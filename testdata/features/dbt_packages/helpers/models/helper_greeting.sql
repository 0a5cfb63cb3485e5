select '{{ var("greeting") }}' as greeting
