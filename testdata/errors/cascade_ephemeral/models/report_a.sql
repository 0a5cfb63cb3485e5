select * from {{ ref('prep') }}
