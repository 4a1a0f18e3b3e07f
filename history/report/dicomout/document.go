package dicomout

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// SOP classes written here.
const (
	// ComprehensiveSR is the Comprehensive SR Storage SOP Class. It is
	// chosen over Basic Text SR (…88.11) because it also allows NUM and
	// SCOORD items: the measurement groups (after TID 1500) of a run's
	// measured regions.
	ComprehensiveSR = "1.2.840.10008.5.1.4.1.1.88.33"
	// EncapsulatedPDF is the Encapsulated PDF Storage SOP Class.
	EncapsulatedPDF = "1.2.840.10008.5.1.4.1.1.104.1"
)

// Titles and flags that mark every document as a research draft.
const (
	// Title is the SR's title (as the equivalent meaning of its root
	// concept) and the encapsulated PDF's DocumentTitle.
	Title = "DRAFT research report (MedGemma, machine-generated, unverified)"
	// SeriesDescription is the new series' description.
	SeriesDescription = "DRAFT MedGemma research report - not for clinical use"
	// CompletionDescription is the SR's CompletionFlagDescription.
	CompletionDescription = "Research draft by a machine-learning model; not reviewed"
	// Manufacturer is the General Equipment module's Manufacturer.
	Manufacturer = "MedGemma Workbench"
)

// ErrNoSource is returned, wrapped, when a run has no DICOM source image a
// document could belong to and reference.
var ErrNoSource = errors.New("no DICOM source image")

// Source is a DICOM instance a document is about.
type Source struct {
	StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, SOPClassUID string
	// Frame is the frame analysed of a multi-frame image (from 1), 0 for a
	// single-frame one.
	Frame int
}

// Attribute is one attribute copied into a document's Patient and General
// Study modules: tag, VR, values as text, a sequence's items.
type Attribute struct {
	Tag    uint32
	VR     string
	Values []string
	Items  [][]Attribute
}

// Report is what a DICOM document of one run says, as plain data (see
// FromRun).
type Report struct {
	RunID int64
	// Answer is the model's answer, Prompt and System what it was asked.
	Answer, Prompt, System string
	// Model, ModelDigest and RuntimeVersion name the model and runtime.
	Model, ModelDigest, RuntimeVersion string
	// Recipe names the model-input recipe ("name version hash"), "" for none.
	Recipe string
	// PromptVersion names exactly what was asked (see PromptVersion).
	PromptVersion string
	// Measurements are the regions measured with the run, written as
	// measurement groups (after TID 1500/1410: the region, its mean,
	// SD, least and greatest value and its area) about the first source.
	Measurements []core.Measurement
	// Sources are the images analysed, in order; the first one's study is
	// the document's study.
	Sources []Source
	// Header are the Patient and General Study module attributes, copied
	// from the first source instance (de-identified or not: the caller's
	// choice), without StudyInstanceUID.
	Header []Attribute
	// Deidentified says Header was de-identified; the document then says
	// so (PatientIdentityRemoved, DeidentificationMethod).
	Deidentified bool
	// BurnIn says the source pixels may carry burned-in text (figures in
	// the PDF do).
	BurnIn bool
	// Created is when the document is made; AppVersion the workbench's.
	Created    time.Time
	AppVersion string
}

// Document is a DICOM Part 10 file ready to write or to send (STOW-RS
// takes Bytes as one application/dicom part).
type Document struct {
	Bytes []byte
	// SOPClassUID is ComprehensiveSR or EncapsulatedPDF.
	SOPClassUID string
	// StudyInstanceUID is the source study's; SeriesInstanceUID and
	// SOPInstanceUID are new.
	StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID string
}

// Codes used in the content tree and headers. Those of the private coding
// scheme 99MGW are this workbench's own (PS3.16 8.2: a "99" prefix marks a
// private scheme); the document describes 99MGW in its Coding Scheme
// Identification Sequence.
var (
	CodeReport          = Code{"18748-4", "LN", "Diagnostic imaging report"}
	CodeEquivalentTitle = Code{"121050", "DCM", "Equivalent Meaning of Concept Name"}
	CodeFindings        = Code{"121070", "DCM", "Findings"}
	CodeFinding         = Code{"121071", "DCM", "Finding"}
	CodeAlgorithmName   = Code{"111001", "DCM", "Algorithm Name"}
	CodeAlgorithmVer    = Code{"111003", "DCM", "Algorithm Version"}
	CodeModelDigest     = Code{"MODELDIGEST", "99MGW", "Model digest"}
	CodeRuntime         = Code{"RUNTIME", "99MGW", "Inference runtime version"}
	CodeRecipe          = Code{"RECIPE", "99MGW", "Model-input recipe"}
	CodePromptVersion   = Code{"PROMPTVER", "99MGW", "Prompt version"}
	CodeRunID           = Code{"RUNID", "99MGW", "Workbench run ID"}
	CodePrompt          = Code{"PROMPT", "99MGW", "Prompt to the model"}
	CodeSystemPrompt    = Code{"SYSPROMPT", "99MGW", "System prompt to the model"}
	CodeSourceImage     = Code{"SRCIMAGE", "99MGW", "Image analysed by the model"}
	CodeNotice          = Code{"NOTICE", "99MGW", "Intended use notice"}

	// Measurement codes (DICOM PS3.16: TID 1500's containers, SNOMED CT's
	// statistics; units in UCUM).
	CodeImagingMeasurements = Code{"126010", "DCM", "Imaging Measurements"}
	CodeMeasurementGroup    = Code{"125007", "DCM", "Measurement Group"}
	CodeTrackingIdentifier  = Code{"112039", "DCM", "Tracking Identifier"}
	CodeMean                = Code{"373098007", "SCT", "Mean"}
	CodeSD                  = Code{"386136009", "SCT", "Standard Deviation"}
	CodeMinimum             = Code{"255605001", "SCT", "Minimum"}
	CodeMaximum             = Code{"56851009", "SCT", "Maximum"}
	CodeArea                = Code{"42798000", "SCT", "Area"}
	CodeLength              = Code{"410668003", "SCT", "Length"}
	UnitMM                  = Code{"mm", "UCUM", "millimeter"}
	UnitHU                  = Code{"[hnsf'U]", "UCUM", "Hounsfield unit"}
	UnitNone                = Code{"1", "UCUM", "no units"}
	UnitMM2                 = Code{"mm2", "UCUM", "square millimeter"}
)

// privateScheme describes 99MGW for the Coding Scheme Identification
// Sequence.
var privateScheme = dataset{
	text(tagCodingSchemeDesignator, "SH", "99MGW"),
	text(tagCodingSchemeName, "ST", "MedGemma Workbench private codes"),
	text(tagCodingSchemeResponsibleOrganization, "ST", "MedGemma Workbench"),
}

// Notice is the SR's intended-use statement.
const Notice = "This is a research draft produced by a machine-learning model (MedGemma). It is not intended to directly inform clinical diagnosis, patient management decisions, treatment recommendations, or any other direct clinical practice applications, and has not been reviewed by a clinician."

// Content is the SR content tree of r: the coded title with its draft
// title text, the observation context (model, digest, runtime, recipe,
// prompt version, run), the prompt, the findings (the answer), the
// images analysed and the intended-use notice.
func Content(r *Report) Item {
	ctx := []Item{
		Text(HasConceptMod, CodeEquivalentTitle, Title),
	}
	add := func(c Code, v string) {
		if v != "" {
			ctx = append(ctx, Text(HasObsContext, c, v))
		}
	}
	add(CodeAlgorithmName, r.Model)
	add(CodeAlgorithmVer, r.ModelDigest)
	add(CodeModelDigest, r.ModelDigest)
	add(CodeRuntime, r.RuntimeVersion)
	add(CodeRecipe, r.Recipe)
	add(CodePromptVersion, r.PromptVersion)
	add(CodeRunID, strconv.FormatInt(r.RunID, 10))
	root := Container("", CodeReport, ctx...)
	if r.System != "" {
		root.Children = append(root.Children, Text(Contains, CodeSystemPrompt, r.System))
	}
	if r.Prompt != "" {
		root.Children = append(root.Children, Text(Contains, CodePrompt, r.Prompt))
	}
	answer := r.Answer
	if strings.TrimSpace(answer) == "" {
		answer = "(the model gave no answer)"
	}
	root.Children = append(root.Children, Container(Contains, CodeFindings, Text(Contains, CodeFinding, answer)))
	for _, s := range r.Sources {
		root.Children = append(root.Children, Image(Contains, CodeSourceImage, s))
	}
	if len(r.Measurements) > 0 {
		root.Children = append(root.Children, measurementItems(r))
	}
	root.Children = append(root.Children, Text(Contains, CodeNotice, Notice))
	return root
}

// BuildSR makes the Comprehensive SR of r, in a new series of the source
// study, with UIDs from ids.
func BuildSR(r *Report, ids UIDs) (*Document, error) {
	return BuildSRContent(r, Content(r), ids)
}

// BuildSRContent makes a Comprehensive SR of r with the given content
// tree (a CONTAINER root), for callers that add to Content's tree.
func BuildSRContent(r *Report, root Item, ids UIDs) (*Document, error) {
	if root.ValueType != "CONTAINER" || root.Relationship != "" {
		return nil, fmt.Errorf("sr: the root must be a CONTAINER without a relationship")
	}
	doc, ds, err := common(r, ComprehensiveSR, "SR", ids)
	if err != nil {
		return nil, err
	}
	content, err := root.encode()
	if err != nil {
		return nil, err
	}
	ds = append(ds, content...)
	ds = append(ds,
		text(tagCompletionFlag, "CS", "PARTIAL"),
		text(tagCompletionFlagDescription, "LO", CompletionDescription),
		text(tagVerificationFlag, "CS", "UNVERIFIED"),
		sq(tagPerformedProcedureCodeSequence),
		sq(tagReferencedPerformedProcedureStep),                  // Type 2 in the SR Document Series module
		sq(tagCodingSchemeIdentificationSequence, privateScheme), // the content tree's 99MGW codes
		sq(tagCurrentRequestedProcedureEvSeq, evidence(r.Sources)...),
	)
	return finish(doc, ds, ids, r.AppVersion)
}

// BuildPDF makes the Encapsulated PDF of r holding pdf (the report
// history/report renders), in a new series of the source study, with
// UIDs from ids.
func BuildPDF(r *Report, pdf []byte, ids UIDs) (*Document, error) {
	if len(pdf) == 0 {
		return nil, fmt.Errorf("encapsulated pdf: no PDF")
	}
	if uint64(len(pdf)) >= 1<<32-2 {
		return nil, fmt.Errorf("encapsulated pdf: the PDF is %d bytes, too large for DICOM", len(pdf))
	}
	doc, ds, err := common(r, EncapsulatedPDF, "DOC", ids)
	if err != nil {
		return nil, err
	}
	burn := "NO"
	if r.BurnIn || !r.Deidentified {
		burn = "YES"
	}
	var sources []dataset
	for _, s := range r.Sources {
		sources = append(sources, referencedSOP(Source{SOPClassUID: s.SOPClassUID, SOPInstanceUID: s.SOPInstanceUID}))
	}
	ds = append(ds,
		text(tagConversionType, "CS", "WSD"),
		text(tagAcquisitionDateTime, "DT"),
		text(tagBurnedInAnnotation, "CS", burn),
		text(tagRecognizableVisualFeatures, "CS", "NO"),
		text(tagDocumentTitle, "ST", Title),
		sq(tagConceptNameCodeSequence, codeItem(CodeReport)),
		text(tagVerificationFlag, "CS", "UNVERIFIED"),
		text(tagMIMETypeOfEncapsulatedDocument, "LO", "application/pdf"),
		ob(tagEncapsulatedDocument, pdf),
		ul(tagEncapsulatedDocumentLength, uint32(len(pdf))),
	)
	if len(sources) > 0 {
		ds = append(ds, sq(tagSourceInstanceSequence, sources...))
	}
	return finish(doc, ds, ids, r.AppVersion)
}

// common is what both documents share: SOP Common, Patient, General
// Study, the series and General Equipment modules, and the instance's
// number and content date and time.
func common(r *Report, class, modality string, ids UIDs) (*Document, dataset, error) {
	if len(r.Sources) == 0 || r.Sources[0].StudyInstanceUID == "" {
		return nil, nil, fmt.Errorf("run %d: %w", r.RunID, ErrNoSource)
	}
	if err := ValidRoot(ids.Root); err != nil {
		return nil, nil, err
	}
	created := r.Created
	if created.IsZero() {
		created = time.Now()
	}
	doc := &Document{
		SOPClassUID:       class,
		StudyInstanceUID:  r.Sources[0].StudyInstanceUID,
		SeriesInstanceUID: ids.New(),
		SOPInstanceUID:    ids.New(),
	}
	date, tm := created.Format("20060102"), created.Format("150405")
	ds := dataset{
		text(tagSpecificCharacterSet, "CS", "ISO_IR 192"),
		text(tagInstanceCreationDate, "DA", date),
		text(tagInstanceCreationTime, "TM", tm),
		text(tagSOPClassUID, "UI", class),
		text(tagSOPInstanceUID, "UI", doc.SOPInstanceUID),
		text(tagModality, "CS", modality),
		text(tagSeriesDate, "DA", date),
		text(tagSeriesTime, "TM", tm),
		text(tagContentDate, "DA", date),
		text(tagContentTime, "TM", tm),
		text(tagSeriesDescription, "LO", SeriesDescription),
		text(tagManufacturer, "LO", Manufacturer),
		text(tagManufacturerModelName, "LO", "MedGemma Workbench"),
		text(tagSoftwareVersions, "LO", nonEmpty(r.AppVersion, "unknown")),
		text(tagStudyInstanceUID, "UI", doc.StudyInstanceUID),
		text(tagSeriesInstanceUID, "UI", doc.SeriesInstanceUID),
		text(tagSeriesNumber, "IS", seriesNumber(created)),
		text(tagInstanceNumber, "IS", "1"),
	}
	have := map[uint32]bool{}
	for _, e := range ds {
		have[e.tag] = true
	}
	for _, a := range r.Header {
		if have[a.Tag] {
			continue
		}
		have[a.Tag] = true
		ds = append(ds, a.element())
	}
	// Type 2 attributes of the Patient and General Study modules are
	// present, empty when the source (or de-identification) has no value.
	for _, t := range []struct {
		tag uint32
		vr  string
	}{{0x00100010, "PN"}, {0x00100020, "LO"}, {0x00100030, "DA"}, {0x00100040, "CS"},
		{0x00080020, "DA"}, {0x00080030, "TM"}, {0x00080090, "PN"}, {0x00200010, "SH"}, {0x00080050, "SH"}} {
		if !have[t.tag] {
			ds = append(ds, text(t.tag, t.vr))
		}
	}
	if r.Deidentified {
		if !have[tagPatientIdentityRemoved] {
			ds = append(ds, text(tagPatientIdentityRemoved, "CS", "YES"))
		}
		if !have[tagDeidentificationMethod] {
			ds = append(ds, text(tagDeidentificationMethod, "LO", "PS3.15 E.1 Basic Profile, Modified Dates, Retain UIDs"))
		}
		if !have[tagDeidentificationMethodCodeSeq] {
			ds = append(ds, sq(tagDeidentificationMethodCodeSeq, methodCodes()...))
		}
	}
	return doc, ds, nil
}

// methodCodes are the CID 7050 codes of the de-identification applied to
// the header: the profile, the modified dates, and UIDs retained (the
// document must file into the source study).
func methodCodes() []dataset {
	return []dataset{
		codeItem(Code{"113100", "DCM", "Basic Application Confidentiality Profile"}),
		codeItem(Code{"113107", "DCM", "Retain Longitudinal Temporal Information Modified Dates Option"}),
		codeItem(Code{"113110", "DCM", "Retain UIDs Option"}),
	}
}

// finish checks ds and encodes the Part 10 file into doc.
func finish(doc *Document, ds dataset, ids UIDs, version string) (*Document, error) {
	if err := ds.check(); err != nil {
		return nil, err
	}
	if !ds.nonASCII() { // the default repertoire: no SpecificCharacterSet
		kept := ds[:0]
		for _, e := range ds {
			if e.tag != tagSpecificCharacterSet {
				kept = append(kept, e)
			}
		}
		ds = kept
	}
	doc.Bytes = part10(ds, doc.SOPClassUID, doc.SOPInstanceUID, ids, version)
	return doc, nil
}

// evidence is the Current Requested Procedure Evidence Sequence: the
// sources by study and series.
func evidence(srcs []Source) []dataset {
	type key struct{ study, series string }
	var order []key
	bySeries := map[key][]dataset{}
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[s.SOPInstanceUID] {
			continue
		}
		seen[s.SOPInstanceUID] = true
		k := key{s.StudyInstanceUID, s.SeriesInstanceUID}
		if _, ok := bySeries[k]; !ok {
			order = append(order, k)
		}
		bySeries[k] = append(bySeries[k], referencedSOP(Source{SOPClassUID: s.SOPClassUID, SOPInstanceUID: s.SOPInstanceUID}))
	}
	var studies []string
	series := map[string][]dataset{}
	for _, k := range order {
		if _, ok := series[k.study]; !ok {
			studies = append(studies, k.study)
		}
		series[k.study] = append(series[k.study], dataset{
			text(tagSeriesInstanceUID, "UI", k.series),
			sq(tagReferencedSOPSequence, bySeries[k]...),
		})
	}
	var out []dataset
	for _, st := range studies {
		out = append(out, dataset{
			text(tagStudyInstanceUID, "UI", st),
			sq(tagReferencedSeriesSequence, series[st]...),
		})
	}
	return out
}

// element is a as a data element.
func (a Attribute) element() element {
	if a.VR == "SQ" {
		items := make([]dataset, len(a.Items))
		for i, it := range a.Items {
			for _, c := range it {
				items[i] = append(items[i], c.element())
			}
		}
		return sq(a.Tag, items...)
	}
	return text(a.Tag, a.VR, a.Values...)
}

// seriesNumber is a series number unlikely to clash with the study's own
// (which count from 1): from the time of day, 9000 and up.
func seriesNumber(t time.Time) string {
	return strconv.Itoa(9000 + (t.Hour()*3600+t.Minute()*60+t.Second())%1000)
}

func nonEmpty(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// measurementItems are r's measurements as TID 1500's Imaging
// Measurements: one Measurement Group a region, tracked by a text that
// says where it is, with its statistics as NUM items (inferred from the
// first source image).
func measurementItems(r *Report) Item {
	box := Container(Contains, CodeImagingMeasurements)
	for i, m := range r.Measurements {
		unit := UnitNone
		if m.Units == "HU" {
			unit = UnitHU
		}
		g := Container(Contains, CodeMeasurementGroup,
			Text(HasObsContext, CodeTrackingIdentifier, fmt.Sprintf("Region %d: %s", i+1, m.String())))
		if m.Kind == core.MeasureArrow {
			g.Children = append(g.Children, Text(Contains, CodeFinding, m.Text))
			box.Children = append(box.Children, g)
			continue
		}
		if m.Kind == core.MeasureLength {
			if m.LengthMM > 0 {
				g.Children = append(g.Children, Num(Contains, CodeLength, m.LengthMM, UnitMM))
			}
			box.Children = append(box.Children, g)
			continue
		}
		for _, v := range []struct {
			c Code
			x float64
		}{{CodeMean, m.Mean}, {CodeSD, m.SD}, {CodeMinimum, m.Min}, {CodeMaximum, m.Max}} {
			n := Num(Contains, v.c, v.x, unit)
			if len(r.Sources) > 0 {
				n.Children = []Item{Image(InferredFrom, Code{}, r.Sources[0])}
			}
			g.Children = append(g.Children, n)
		}
		if m.AreaMM2 > 0 {
			g.Children = append(g.Children, Num(Contains, CodeArea, m.AreaMM2, UnitMM2))
		}
		box.Children = append(box.Children, g)
	}
	return box
}
