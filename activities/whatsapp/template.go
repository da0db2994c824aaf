package whatsapp

// Template is a pre-approved message template, the only kind of message
// allowed outside the 24-hour customer service window. Components use
// Graph's JSON shape as they are, since templates vary too much to remodel.
type Template struct {
	Name       string              `json:"name"`
	Language   string              `json:"language"` // e.g. "en_US"
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateComponent fills the variables of one part of a template.
type TemplateComponent struct {
	Type    string `json:"type"`               // header, body, button
	SubType string `json:"sub_type,omitempty"` // buttons: quick_reply, url, copy_code, flow
	// Index is the button position as Graph wants it: a string, "0" to "9".
	Index      string              `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one variable value; set Type and the matching field.
type TemplateParameter struct {
	Type string `json:"type"` // text, currency, date_time, image, video, document, location, payload, action
	// ParameterName is set for templates with named ({{first_name}}) variables.
	ParameterName string            `json:"parameter_name,omitempty"`
	Text          string            `json:"text,omitempty"`
	Payload       string            `json:"payload,omitempty"`
	Currency      *TemplateCurrency `json:"currency,omitempty"`
	DateTime      *TemplateDateTime `json:"date_time,omitempty"`
	Image         *Media            `json:"image,omitempty"`
	Video         *Media            `json:"video,omitempty"`
	Document      *Media            `json:"document,omitempty"`
	Location      *Location         `json:"location,omitempty"`
	Action        map[string]any    `json:"action,omitempty"` // flow buttons: flow_token, flow_action_data
}

// TemplateCurrency is a localised amount; Amount1000 is the amount × 1000.
type TemplateCurrency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// TemplateDateTime is a date shown as FallbackValue.
type TemplateDateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// Contact is a contact card; its JSON matches Graph's.
type Contact struct {
	Name      ContactName      `json:"name"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Org       *ContactOrg      `json:"org,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Birthday  string           `json:"birthday,omitempty"` // YYYY-MM-DD
}

// ContactName is a contact's name; FormattedName is required.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
}

// ContactPhone is a phone number; WAID adds a "message" button to the card.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WAID  string `json:"wa_id,omitempty"`
}

// ContactEmail is an e-mail address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactURL is a web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// ContactOrg is where the contact works.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactAddress is a postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}
