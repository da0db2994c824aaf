package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxUpload caps uploads, which the sandbox keeps in memory.
const maxUpload = 16 << 20

type mediaFile struct {
	data     []byte
	mimeType string
	filename string
	sha256   string
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	req := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Kind: KindMediaUpload, PhoneNumberID: r.PathValue("id")}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", "body must be multipart/form-data: "+err.Error())
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	if r.FormValue("messaging_product") != "whatsapp" {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) The parameter messaging_product is required.", "")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) The parameter file is required.", "")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		s.reject(w, req, http.StatusBadRequest, 100, "(#100) Invalid parameter", "unreadable file part")
		return
	}
	mimeType := r.FormValue("type")
	if mimeType == "" {
		mimeType = hdr.Header.Get("Content-Type")
	}
	sum := sha256.Sum256(data)
	id := strconv.FormatUint(9_000_000_000_000_000+s.seq.Add(1), 10)
	s.mu.Lock()
	s.media[id] = mediaFile{data: data, mimeType: mimeType, filename: hdr.Filename, sha256: hex.EncodeToString(sum[:])}
	s.mu.Unlock()
	req.Status = http.StatusOK
	s.record(req, nil)
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// handleGet serves both GET /{media_id} and GET /{phone_number_id}, as Graph
// does: the id decides.
func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	req := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path}
	s.mu.Lock()
	mf, isMedia := s.media[id]
	s.mu.Unlock()
	if !isMedia {
		req.Kind, req.PhoneNumberID, req.Status = KindPhoneNumberInfo, id, http.StatusOK
		s.record(req, nil)
		n := s.number(id)
		writeJSON(w, http.StatusOK, map[string]string{
			"id": id, "verified_name": n.VerifiedName, "display_phone_number": n.DisplayPhoneNumber, "quality_rating": "GREEN",
		})
		return
	}
	req.Kind, req.PhoneNumberID, req.Status = KindMediaInfo, r.URL.Query().Get("phone_number_id"), http.StatusOK
	s.record(req, nil)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"url":               scheme + "://" + r.Host + "/_sandbox/media/" + id,
		"mime_type":         mf.mimeType,
		"sha256":            mf.sha256,
		"file_size":         len(mf.data),
		"id":                id,
	})
}

func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	req := Request{Time: time.Now(), Method: r.Method, Path: r.URL.Path, Kind: KindMediaDownload}
	s.mu.Lock()
	mf, ok := s.media[id]
	s.mu.Unlock()
	if !ok {
		s.reject(w, req, http.StatusNotFound, 100, "(#100) Unsupported get request. Object with ID '"+id+"' does not exist", "")
		return
	}
	req.Status = http.StatusOK
	s.record(req, nil)
	w.Header().Set("Content-Type", mf.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(mf.data)))
	_, _ = w.Write(mf.data) // the client went away: nothing to do
}
