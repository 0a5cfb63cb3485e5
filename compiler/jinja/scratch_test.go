package jinja

import (
	"testing"
	"strings"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"io"
)

const ordersSQL = `{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}

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

func BenchmarkScratchGonja(b *testing.B) {
	ref := func(va *exec.VarArgs) *exec.Value { return exec.AsValue(`"db"."main"."` + va.Args[0].String() + `"`) }
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l := srcLoader(ordersSQL)
		tpl, err := exec.NewTemplate("x", gonja.DefaultConfig, l, gonja.DefaultEnvironment)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			ctx := exec.NewContext(map[string]any{"ref": ref})
			out, err := tpl.ExecuteToString(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(out, "stg_orders") {
				b.Fatal(out)
			}
		}
	}
}

type srcLoader string
func (s srcLoader) Read(string) (io.Reader, error) { return strings.NewReader(string(s)), nil }
func (s srcLoader) Resolve(p string) (string, error) { return p, nil }
func (s srcLoader) Inherit(string) (loaders.Loader, error) { return s, nil }

func BenchmarkScratchParseOnly(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l := srcLoader(ordersSQL)
		_, err := exec.NewTemplate("x", gonja.DefaultConfig, l, gonja.DefaultEnvironment)
		if err != nil {
			b.Fatal(err)
		}
	}
}
