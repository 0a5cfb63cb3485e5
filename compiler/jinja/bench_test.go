package jinja

import (
	"strings"
	"testing"
)

// ordersSQL is shaped like jaffle_shop's orders.sql.
const ordersSQL = `{{ config(materialized='table') }}

{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

payments as (

    select * from {{ ref('stg_payments') }}

),

order_payments as (

    select
        order_id,

        {% for payment_method in payment_methods -%}
        sum(case when payment_method = '{{ payment_method }}' then amount else 0 end) as {{ payment_method }}_amount,
        {% endfor -%}

        sum(amount) as total_amount

    from payments

    group by order_id

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.status,

        {% for payment_method in payment_methods -%}

        order_payments.{{ payment_method }}_amount,

        {% endfor -%}

        order_payments.total_amount as amount

    from orders


    left join order_payments
        on orders.order_id = order_payments.order_id

)

select * from final
`

// BenchmarkRenderOrders parses the model once and renders it twice (parse
// phase and execute phase), like the compiler does.
func BenchmarkRenderOrders(b *testing.B) {
	e := newTestEnv(b)
	res := &fakeResolver{}
	pctx := parseCtx(res)
	ectx := execCtx(res, nil)
	e.snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res.refs = res.refs[:0]
		res.configs = res.configs[:0]
		tpl, err := e.Parse("models/orders.sql", ordersSQL)
		if err != nil {
			b.Fatal(err)
		}
		for _, ctx := range []*Context{pctx, ectx} {
			out, err := tpl.Render(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(out, `"db"."main"."stg_orders"`) {
				b.Fatal(out)
			}
		}
	}
}

func BenchmarkParseOrders(b *testing.B) {
	e := newTestEnv(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := e.Parse("models/orders.sql", ordersSQL); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderOrdersParallel(b *testing.B) {
	e := newTestEnv(b)
	tpl, err := e.Parse("models/orders.sql", ordersSQL)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		res := &fakeResolver{}
		ctx := parseCtx(res)
		for pb.Next() {
			res.refs = res.refs[:0]
			res.configs = res.configs[:0]
			if _, err := tpl.Render(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
