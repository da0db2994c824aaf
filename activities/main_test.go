package activities_test

import (
	"testing"

	"github.com/wabuilder/wab/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
