package serve

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, path string) string {
	srv := httptest.NewServer(Handler([]string{"only line"}))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return strings.TrimSpace(string(body))
}

func TestRoot(t *testing.T) {
	if got := get(t, "/"); got != "only line" {
		t.Fatalf("GET / = %q", got)
	}
}

func TestHealthz(t *testing.T) {
	if got := get(t, "/healthz"); got != "ok" {
		t.Fatalf("GET /healthz = %q", got)
	}
}
